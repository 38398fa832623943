import Inventory
import Peloton

/// `shop node --services inventory ...`, `shop call inventory.reserve ...`, `shop job ...`:
/// the whole Peloton command line, with this package's service and job.
@main
struct Shop {
    static func main() async {
        await PelotonCommand.main(services: [try Inventory.definition()], jobs: [try ReorderJob.definition()])
    }
}
