import Peloton
import PelotonExamples

// The stock `peloton` binary: the command line with the demo's services and jobs.
await PelotonCommand.main(services: try ExampleServices.definitions(), jobs: try ExampleServices.jobs())
