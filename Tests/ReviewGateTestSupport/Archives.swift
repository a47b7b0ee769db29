import Foundation

/// Archives and compressed streams built at test time by Python's standard library (zipfile,
/// tarfile, gzip, bz2, lzma, zlib), so the readers are tested against a real implementation of
/// each format and the repository holds no archive.
public enum TestArchive {
    public enum Kind: String, Sendable {
        case zipDeflate = "zip-deflate", zipStored = "zip-stored", tar, tarGz = "tar.gz", tarXz = "tar.xz"
        case gzip, bzip2, xz, zlib
    }

    static let script = #"""
import sys, io, json, base64, zipfile, tarfile, gzip, bz2, lzma, zlib
spec = json.load(sys.stdin)
kind = spec["kind"]
members = [(m[0], base64.b64decode(m[1])) for m in spec["members"]]
out = io.BytesIO()
if kind.startswith("zip"):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if kind == "zip-deflate" else zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)
elif kind.startswith("tar"):
    mode = {"tar": "w", "tar.gz": "w:gz", "tar.xz": "w:xz"}[kind]
    with tarfile.open(fileobj=out, mode=mode) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for i in range(spec.get("empty", 0)):
            t.addfile(tarfile.TarInfo("e/%d" % i), io.BytesIO(b""))
else:
    data = members[0][1] + b"\0" * spec.get("zeros", 0)
    out.write({"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress, "zlib": zlib.compress}[kind](data))
sys.stdout.buffer.write(out.getvalue())
"""#

    /// `kind` holding `members` (name, bytes); a compressed stream holds the first member's
    /// bytes followed by `zeros` NUL bytes; a tar also `empty` empty members.
    public static func make(_ kind: Kind, _ members: [(String, Data)], zeros: Int = 0, empty: Int = 0) throws -> Data {
        let spec: [String: Any] = ["kind": kind.rawValue, "members": members.map { [$0.0, $0.1.base64EncodedString()] },
                                   "zeros": zeros, "empty": empty]
        let result = try run(["python3", "-c", script], input: try JSONSerialization.data(withJSONObject: spec))
        guard result.status == 0 else { throw CommandError(command: ["python3"], result: result) }
        return result.stdout
    }

    /// A zip of `count` bytes of zeros under one name: a bomb once the ratio counts.
    public static func zipOfZeros(_ count: Int) throws -> Data {
        let script = "import sys,io,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED)\n"
            + "z.writestr('zeros.bin', bytes(\(count)))\nz.close()\nsys.stdout.buffer.write(b.getvalue())"
        let result = try run(["python3", "-c", script])
        guard result.status == 0 else { throw CommandError(command: ["python3"], result: result) }
        return result.stdout
    }
}
