import PelotonJobs
import PelotonServices

/// What the stock `peloton` binary is built with: `node --services echo,counter`, and the
/// Monte Carlo jobs.
public enum ExampleServices {
    public static func definitions() throws -> [ServiceDefinition] {
        [try EchoService.definition(), try CounterService.definition()]
    }

    public static func jobs() throws -> [JobDefinition] {
        [try MonteCarloJob.definition(), try MonteCarloErrorJob.definition()]
    }
}
