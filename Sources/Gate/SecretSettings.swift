import Secrets

/// How secrets are judged: the rules, suppression, and the limits of SPEC §1.3 / §3.
public struct SecretSettings: Sendable {
    public var scanner: Scanner
    public var fingerprinter: Fingerprinter
    /// Blobs larger than this are not scanned but reported as `skipped`.
    public var maxFileBytes: Int
    /// Fingerprints accepted earlier (a baseline file).
    public var baseline: Set<String>
    /// The severity of what cannot be read in full (`[secrets] unscannable`): an error refuses it.
    public var unscannable: Finding.Severity
    /// Findings of rules at or above this confidence are errors; below it, warnings.
    public var block: Confidence

    public init(scanner: Scanner, fingerprinter: Fingerprinter = Fingerprinter(), maxFileBytes: Int = 52_428_800,
                baseline: Set<String> = [], unscannable: Finding.Severity = .error, block: Confidence = .medium) {
        self.scanner = scanner
        self.fingerprinter = fingerprinter
        self.maxFileBytes = maxFileBytes
        self.baseline = baseline
        self.unscannable = unscannable
        self.block = block
    }

    /// What a finding of `rule` is: an error at or above `block`, else a warning; a rule these
    /// settings do not know blocks (fail closed).
    public func severity(of rule: String) -> (Finding.Severity, Confidence?) {
        guard let confidence = scanner.rule(id: rule)?.confidence else { return (.error, nil) }
        return (confidence >= block ? .error : .warning, confidence)
    }

    /// How blobs are read: the size limit and the archive limits.
    public var readLimits: ReadLimits { ReadLimits(maxFileBytes: maxFileBytes) }
}
