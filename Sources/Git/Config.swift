import CLibGit2

extension Repository {
    /// Sets a value in the repository's own configuration file (`git config NAME VALUE`).
    public func setConfig(_ name: String, to value: String) throws(GitError) {
        var config: OpaquePointer?
        var code = git_repository_config(&config, pointer)
        guard code >= 0, let config else { throw GitError.last(code, "cannot open the git configuration") }
        defer { git_config_free(config) }
        var local: OpaquePointer?
        code = git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL)
        guard code >= 0, let local else { throw GitError.last(code, "cannot open the repository's git configuration") }
        defer { git_config_free(local) }
        code = git_config_set_string(local, name, value)
        guard code >= 0 else { throw GitError.last(code, "cannot set git config \(name)") }
    }
}
