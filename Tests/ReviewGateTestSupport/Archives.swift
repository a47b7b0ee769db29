import Foundation

/// Archives and compressed streams built at test time by Python's standard library (zipfile,
/// tarfile, gzip, bz2, lzma, zlib), so the readers are tested against a real implementation of
/// each format and the repository holds no archive.
public enum TestArchive {
    public enum Kind: String, Sendable {
        case zipDeflate = "zip-deflate", zipStored = "zip-stored", tar, tarGz = "tar.gz", tarXz = "tar.xz"
        case gzip, bzip2, xz, zlib, lzma
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
    out.write({"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress, "zlib": zlib.compress,
               "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)}[kind](data))
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

    /// A zip and a tar that hold `text` only outside their members' content: the zip's
    /// comment, a member's comment, a tar's pax record, a symbolic link's target (in a tar
    /// and in a tar.gz, whose headers are compressed).
    public static func metadata(_ text: String) throws -> [(String, Data)] {
        let script = #"""
import sys, io, zipfile, tarfile
text = sys.argv[1]
out = []
for where in ("archive", "member"):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("readme.txt")
        if where == "member": info.comment = text.encode()
        z.writestr(info, b"nothing here\n")
        if where == "archive": z.comment = text.encode()
    out.append(b.getvalue())
for where in ("pax", "link", "link-gz"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz" if where.endswith("gz") else "w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("readme.txt")
        data = b"nothing here\n"
        info.size = len(data)
        if where == "pax": info.pax_headers = {"comment": text}
        t.addfile(info, io.BytesIO(data))
        if where.startswith("link"):
            link = tarfile.TarInfo("link")
            link.type = tarfile.SYMTYPE
            link.linkname = text
            t.addfile(link)
    out.append(b.getvalue())
sys.stdout.buffer.write(b"".join(len(x).to_bytes(4, "big") + x for x in out))
"""#
        let result = try run(["python3", "-c", script, text])
        guard result.status == 0 else { throw CommandError(command: ["python3"], result: result) }
        var parts: [Data] = []
        var rest = result.stdout[...]
        while rest.count >= 4 {
            let n = rest.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            parts.append(Data(rest.dropFirst(4).prefix(n)))
            rest = rest.dropFirst(4 + n)
        }
        return zip(["zip comment", "zip member comment", "tar pax record", "tar link target", "tar.gz link target"], parts).map { ($0, $1) }
    }

    /// A zip whose central directory lists `readme.txt` only, with a stored entry `hidden.env`
    /// holding `hidden` before it: a streaming reader (Java's ZipInputStream) sees both.
    public static func zipWithUnlistedEntry(_ hidden: Data) throws -> Data {
        let script = #"""
import sys, struct, zlib
hidden = sys.stdin.buffer.read()
def local(name, data):
    return struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data), len(name), 0) + name + data
shown = b"nothing here\n"
a = local(b"hidden.env", hidden)
b = local(b"readme.txt", shown)
cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0, zlib.crc32(shown), len(shown), len(shown), 10, 0, 0, 0, 0, 0, len(a)) + b"readme.txt"
end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(cd), len(a) + len(b), 0)
sys.stdout.buffer.write(a + b + cd + end)
"""#
        let result = try run(["python3", "-c", script], input: hidden)
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
