import Foundation

/// File names for TAB after `>` (at the prompt) and for a script's name (in the user's shell).
public enum FileNames {
    /// The entries of the directory `prefix` names that start as its last part does, as the
    /// path would be typed (`~/` kept as typed); a directory's ends with `/`. Dot files only
    /// when the last part starts with a dot.
    public static func matching(_ prefix: String) -> [(path: String, isDirectory: Bool)] {
        let slash = prefix.lastIndex(of: "/")
        let shownDir = slash.map { String(prefix[...$0]) } ?? ""
        let start = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        let dir = shownDir.isEmpty ? "." : (shownDir as NSString).expandingTildeInPath
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix(start) && (start.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory)
            return (shownDir + name + (isDirectory.boolValue ? "/" : ""), isDirectory.boolValue)
        }
    }
}
