import AddressLookups
import Foundation

extension Interpreter {
    /// `set geoip FILE[,FILE]` (or `none`): opens the files before they replace those in use;
    /// a file that cannot be used is one line that says why and where such files come from.
    func useGeoDatabases(_ value: String) throws {
        do {
            try addresses.useDatabases(Settings.geoipFiles(value))
        } catch {
            throw ShellError(error.message)
        }
    }
}
