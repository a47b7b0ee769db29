#!/usr/bin/env python3
"""Makes a labelled corpus for measuring secret-scanner accuracy: a git repository whose
history holds true secrets of many providers (random values, realistic files in many formats)
and decoys that look like secrets but are not (placeholders, documentation keys, public keys,
hashes, ids, lockfile integrity values, data URIs, regexes, masked values).

Usage: make_corpus.py DIR [--seed N] [--files N]
Writes DIR/repo (the repository) and DIR/labels.json: for every true secret the path and line
where it was introduced; for every decoy the same, so a finding on it is a false positive.
This generator is written independently of ReviewGate's rules: it knows token formats, not
regexes."""
import base64, json, os, random, string, subprocess, sys, zlib

AN = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


class Corpus:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def s(self, n, cs=AN):
        return "".join(self.r.choice(cs) for _ in range(n))

    def grafana_token(self):
        # Grafana's service-account format: glsa_ + 32 random + _ + the CRC-32 of what precedes
        # that _, its bytes little-endian in hex.
        key = "glsa_" + self.s(32)
        return key + "_" + (zlib.crc32(key.encode()) & 0xFFFFFFFF).to_bytes(4, "little").hex()

    def crc_token(self, prefix):
        body = self.s(30)
        v = zlib.crc32(body.encode()) & 0xFFFFFFFF
        out = ""
        while True:
            out = B62[v % 62] + out
            v //= 62
            if v == 0:
                break
        return prefix + body + out.rjust(6, "0")

    # True secrets: (kind, value). The value is what must be found.
    def secrets(self):
        s = self.s
        sec = [
            ("aws-key-id", "AKIA" + s(16, string.ascii_uppercase + "234567")),
            ("aws-temp-key-id", "ASIA" + s(16, string.ascii_uppercase + "234567")),
            ("github-pat", self.crc_token("ghp_")),
            ("github-oauth", self.crc_token("gho_")),
            ("github-app", self.crc_token("ghs_")),
            ("github-fine-grained", "github_pat_" + s(22) + "_" + s(59)),
            ("gitlab-pat", "glpat-" + s(20, AN + "-_")),
            ("gitlab-trigger", "glptt-" + s(40, HEX)),
            ("gitlab-runner", "glrt-" + s(20, AN + "-_")),
            ("slack-bot", "xoxb-" + s(12, string.digits) + "-" + s(13, string.digits) + "-" + s(24)),
            ("slack-webhook", "https://hooks.slack.com/services/T" + s(8, string.ascii_uppercase + string.digits) + "/B" + s(10, string.ascii_uppercase + string.digits) + "/" + s(24)),
            ("discord-webhook", "https://discord.com/api/webhooks/" + s(18, string.digits) + "/" + s(68, AN + "_-")),
            ("telegram", s(10, "123456789") + ":AA" + s(33, AN + "_-")),
            ("stripe", "sk_" + "live_" + s(24)),
            ("stripe-restricted", "rk_" + "live_" + s(30)),
            ("square", "sq0csp-" + s(43, AN + "_-")),
            ("shopify", "shpat_" + s(32, HEX)),
            ("openai", "sk-proj-" + s(40, AN + "_-") + "T3BlbkFJ" + s(40, AN + "_-")),
            ("anthropic", "sk-ant-api03-" + s(93, AN + "_-") + "AA"),
            ("huggingface", "hf_" + s(34, string.ascii_letters)),
            ("npm", self.crc_token("npm_")),
            ("pypi", "pypi-AgEIcHlwaS5vcmc" + s(60, AN + "_-")),
            ("dockerhub", "dckr_pat_" + s(27, AN + "_-")),
            ("sendgrid", "SG." + s(22, AN + "_-") + "." + s(43, AN + "_-")),
            ("mailchimp", s(32, HEX) + "-us" + str(self.r.randint(1, 21))),
            ("databricks", "dapi" + s(32, HEX)),
            ("digitalocean", "dop_v1_" + s(64, HEX)),
            ("vault", "hvs." + s(90, AN + "_-")),
            ("terraform-cloud", s(14) + ".atlasv1." + s(67, AN)),
            ("doppler", "dp.st." + s(43)),
            ("pulumi", "pul-" + s(40, HEX)),
            ("postman", "PMAK-" + s(24, HEX) + "-" + s(34, HEX)),
            ("linear", "lin_api_" + s(40)),
            ("grafana", self.grafana_token()),
            ("sentry", "sntryu_" + s(64, HEX)),
            ("newrelic", "NRAK-" + s(27, string.ascii_uppercase + string.digits)),
            ("age", "AGE-SECRET-KEY-1" + s(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")),
            ("gcp-api-key", "AIza" + s(35, AN + "_-")),
            ("google-oauth-secret", "GOCSPX-" + s(28, AN + "_-")),
        ]
        return sec

    def context_secrets(self):
        """Secrets only recognisable by their name: (kind, value, name)."""
        s = self.s
        return [
            ("aws-secret-key", s(40, AN + "/+"), "aws_secret_access_key"),
            ("password", s(16, AN + "!#%^&*"), "password"),
            ("db-password", s(20), "DB_PASSWORD"),
            ("api-key", s(32), "api_key"),
            ("client-secret", s(30, AN + "_-"), "client_secret"),
            ("auth-token", s(40), "auth_token"),
        ]

    def decoys(self):
        s = self.s
        return [
            ("placeholder", "changeme"), ("placeholder", "YOUR_API_KEY"), ("placeholder", "xxxxxxxxxxxxxxxxxxxx"),
            ("placeholder", "<token>"), ("placeholder", "${API_TOKEN}"), ("placeholder", "{{ .Values.apiKey }}"),
            ("placeholder", "********"), ("placeholder", ""),
            ("aws-doc-key", "AKIA" + "IOSFODNN7EXAMPLE"), ("aws-doc-secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("sha256", s(64, HEX)), ("git-sha", s(40, HEX)), ("uuid", "-".join(s(n, HEX) for n in (8, 4, 4, 4, 12))),
            ("md5", s(32, HEX)),
        ]


def write(repo, path, text):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full) or repo, exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="Corpus", GIT_AUTHOR_EMAIL="corpus@example.com",
               GIT_COMMITTER_NAME="Corpus", GIT_COMMITTER_EMAIL="corpus@example.com",
               GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", "-C", repo] + list(args), check=True, capture_output=True, text=True, env=env).stdout.strip()


# File formats: each renders (name, value) as a line; `{v}` is where the value goes.
FORMATS = [
    ("config/app.yaml", "{n}: \"{v}\""), ("config/settings.yml", "  {n}: {v}"), ("config/app.json", "  \"{n}\": \"{v}\","),
    (".env", "{N}={v}"), ("conf/app.properties", "{n}={v}"), ("conf/app.ini", "{n} = {v}"), ("conf/app.toml", "{n} = \"{v}\""),
    ("conf/web.xml", "  <{n}>{v}</{n}>"), ("infra/main.tf", "  {n} = \"{v}\""), ("scripts/deploy.sh", "export {N}=\"{v}\""),
    ("src/settings.py", "{N} = \"{v}\""), ("src/config.js", "const {c} = '{v}';"), ("src/config.ts", "export const {c}: string = \"{v}\";"),
    ("cmd/main.go", "\t{c} := \"{v}\""), ("src/Config.java", "    private static final String {N} = \"{v}\";"),
    ("lib/config.rb", "  {n}: '{v}',"), ("src/Config.cs", "        public const string {C} = \"{v}\";"),
    ("config/app.php", "  '{n}' => '{v}',"),
]


def render(fmt, name, value):
    camel = "".join(p.capitalize() for p in name.lower().split("_"))
    return fmt.format(n=name.lower(), N=name.upper(), c=camel[0].lower() + camel[1:], C=camel, v=value)


def main():
    out = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rounds = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else 60
    c = Corpus(seed)
    repo = os.path.join(out, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    labels = {"secrets": [], "decoys": []}
    filler = ["# generated configuration", "timeout = 30", "retries: 3", "log_level = \"info\"", "feature_flag = true",
              "name: service", "port = 8080", "region = \"eu-west-1\""]
    pending = []  # (path, line index) of true secrets, attributed after commit

    def add_file(path, lines, marks):
        write(repo, path, "\n".join(lines) + "\n")
        for kind, line_no, label in marks:
            labels[label].append({"kind": kind, "path": path, "line": line_no + 1})

    write(repo, "README.md", "# corpus\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "root")
    for i in range(rounds):
        fmt_path, fmt = FORMATS[i % len(FORMATS)]
        base, ext = os.path.splitext(fmt_path)
        path = f"{base}_{i}{ext}" if ext else f"{fmt_path}_{i}"
        lines, marks = [], []
        lines += c.r.sample(filler, 3)
        # Provider tokens, named plainly.
        for kind, value in c.r.sample(c.secrets(), 3):
            marks.append((kind, len(lines), "secrets"))
            lines.append(render(fmt, kind.replace("-", "_") + "_value", value))
        for kind, value, name in c.r.sample(c.context_secrets(), 2):
            marks.append((kind, len(lines), "secrets"))
            lines.append(render(fmt, name, value))
        for kind, value in c.r.sample(c.decoys(), 4):
            marks.append((kind, len(lines), "decoys"))
            # Placeholders stand where secrets would; hashes and ids under the names they have.
            if kind in ("placeholder", "aws-doc-key", "aws-doc-secret"):
                name = c.r.choice(["password", "api_key", "token", "secret", "aws_secret_access_key"])
            else:
                name = c.r.choice(["checksum", "sha256", "commit", "request_id", "etag", "digest"])
            lines.append(render(fmt, name, value))
        lines += c.r.sample(filler, 2)
        add_file(path, lines, marks)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"add {path}")
        # Now and then: rename a file (not new), remove a secret line (still found), merge a branch.
        if i % 7 == 3:
            git(repo, "mv", path, path + ".bak")
            git(repo, "commit", "-q", "-m", f"rename {path}")
        if i % 11 == 5:
            git(repo, "checkout", "-q", "-b", f"feature{i}")
            extra = f"docs/notes_{i}.md"
            token = c.crc_token("ghp_")
            write(repo, extra, f"# notes\n\nuse token {token} for the bot\n")
            labels["secrets"].append({"kind": "github-pat", "path": extra, "line": 3})
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "notes")
            git(repo, "checkout", "-q", "main")
            git(repo, "merge", "-q", "--no-ff", "--no-edit", f"feature{i}")
    # Files that only hold decoys of other shapes.
    pub = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(c.s(64, AN + "+/") for _ in range(4)) + "\n-----END PUBLIC KEY-----\n"
    write(repo, "keys/server.pub.pem", pub)
    lock = {"lockfileVersion": 3, "packages": {f"node_modules/p{j}": {"version": "1.0.0",
            "integrity": "sha512-" + base64.b64encode(bytes(c.r.getrandbits(8) for _ in range(64))).decode()} for j in range(20)}}
    write(repo, "package-lock.json", json.dumps(lock, indent=2) + "\n")
    write(repo, "web/logo.html", '<img src="data:image/png;base64,' + base64.b64encode(bytes(c.r.getrandbits(8) for _ in range(300))).decode() + '">\n')
    write(repo, "docs/formats.md", "GitHub tokens match `ghp_[A-Za-z0-9]{36}`; Stripe keys look like `sk_live_...`.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "decoy files")
    for path, count in [("keys/server.pub.pem", 6), ("package-lock.json", 1), ("web/logo.html", 1), ("docs/formats.md", 1)]:
        labels["decoys"].append({"kind": "file", "path": path, "line": None})
    # A real private key, committed and deleted.
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(c.s(70, AN + "+/") for _ in range(6)) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    write(repo, "id_ed25519", key)
    labels["secrets"].append({"kind": "private-key", "path": "id_ed25519", "line": 1})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add key")
    git(repo, "rm", "-q", "id_ed25519")
    git(repo, "commit", "-q", "-m", "remove key")
    json.dump(labels, open(os.path.join(out, "labels.json"), "w"), indent=1)
    print(f"{len(labels['secrets'])} secrets, {len(labels['decoys'])} decoys in {repo}")


if __name__ == "__main__":
    main()
