#!/usr/bin/env python3
"""Peers' own rule examples as files: one example a file, under OUT/SUITE/{true,false}/RULE__N.txt.

    peer_examples.py OUT SUITE=KIND:REPO...

KIND `gitleaks` reads a gitleaks-style repository (gitleaks, betterleaks): each rule is a Go
function under cmd/generate/config/rules whose `tps` and `fps` slices are the true and false
examples; their expressions (string literals, `+`, `fmt.Sprintf`, `append`, the generators
`secrets.NewSecret(REGEX)` and `utils.GenerateSampleSecret(s)` with the templates read from the
same repository's utils/generate.go) are evaluated here, and regexes are sampled the way the
peer's own generator does (unbounded repeats get up to 10 more). Expressions this reader cannot
evaluate are counted and skipped. KIND `kingfisher` reads data/rules/*.yml: `examples` and
`negative_examples`; KIND `noseyparker` the same fields in Nosey Parker's builtin rules. Files are read from the git directory REPO at HEAD; nothing of theirs is
kept past the run.
"""
import os
import random
import re
import subprocess
import sys

try:
    import re._parser as sre_parse
    import re._constants as sre_c
except ImportError:  # Python < 3.11
    import sre_parse
    import sre_constants as sre_c

rng = random.Random(14)
PRINTABLE = [chr(c) for c in range(33, 127)]
WORD = [chr(c) for c in range(48, 58)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)] + ["_"]


def git_files(repo, prefix):
    out = subprocess.run(["git", "--git-dir", repo, "ls-tree", "-r", "--name-only", "HEAD", prefix],
                         capture_output=True, text=True).stdout.split("\n")
    return [p for p in out if p]


def git_show(repo, path):
    r = subprocess.run(["git", "--git-dir", repo, "show", "HEAD:" + path], capture_output=True)
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None


# MARK: regex sampling

def sample(pattern):
    p = pattern.replace(r"\z", r"\Z").replace(r"\x60", "`")
    p = re.sub(r"\\p\{[A-Za-z]+\}", r"[A-Za-z]", p)
    tree = sre_parse.parse(p)
    groups = {}
    return "".join(gen(tree, groups))


def charset(items):
    chars, negate = [], False
    for op, av in items:
        if op == sre_c.NEGATE:
            negate = True
        elif op == sre_c.LITERAL:
            chars.append(chr(av))
        elif op == sre_c.RANGE:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        elif op == sre_c.CATEGORY:
            chars.extend(category(av))
    if negate:
        s = set(chars)
        chars = [c for c in PRINTABLE if c not in s]
    return chars or ["x"]


def category(av):
    name = str(av)
    if "NOT" in name:
        return [c for c in PRINTABLE if not c.isalnum()]
    if "DIGIT" in name:
        return [chr(c) for c in range(48, 58)]
    if "SPACE" in name:
        return [" "]
    return WORD


def gen(tree, groups):
    out = []
    for op, av in tree:
        if op == sre_c.LITERAL:
            out.append(chr(av))
        elif op == sre_c.NOT_LITERAL:
            out.append(rng.choice([c for c in WORD if c != chr(av)]))
        elif op == sre_c.ANY:
            out.append(rng.choice(WORD))
        elif op == sre_c.IN:
            out.append(rng.choice(charset(av)))
        elif op == sre_c.CATEGORY:
            out.append(rng.choice(category(av)))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + 10 if hi == sre_c.MAXREPEAT else hi
            for _ in range(rng.randint(lo, hi)):
                out.extend(gen(sub, groups))
        elif op == sre_c.SUBPATTERN:
            group, _, _, sub = av
            text = "".join(gen(sub, groups))
            if group:
                groups[group] = text
            out.append(text)
        elif op == getattr(sre_c, "ATOMIC_GROUP", None):
            out.extend(gen(av, groups))
        elif op == sre_c.BRANCH:
            out.extend(gen(rng.choice(av[1]), groups))
        elif op == sre_c.GROUPREF:
            out.append(groups.get(av, ""))
        # AT, ASSERT, ASSERT_NOT: nothing to emit
    return out


# MARK: a small reader of Go expressions

TOKEN = re.compile(r'''(?s)(//[^\n]*|/\*.*?\*/)|(`[^`]*`)|("(?:\\.|[^"\\\n])*")|('(?:\\.|[^'\\\n])*')|'''
                   r'''([A-Za-z_][A-Za-z0-9_]*)|([0-9][0-9_.xXa-fA-F]*)|(\n)|(:=|\.\.\.|[{}()\[\],.+:=*&;<>!-])|([ \t\r]+)|(.)''')


def tokens(src):
    out = []
    for m in TOKEN.finditer(src):
        comment, raw, interp, rune, ident, num, nl, punct, space, other = m.groups()
        if comment or space:
            if comment and "\n" in comment:
                out.append(("nl", "\n"))
            continue
        if raw is not None:
            out.append(("str", raw[1:-1].replace("\r", "")))
        elif interp is not None:
            out.append(("str", go_unquote(interp[1:-1])))
        elif rune is not None:
            out.append(("rune", rune))
        elif ident is not None:
            out.append(("id", ident))
        elif num is not None:
            out.append(("num", num))
        elif nl is not None:
            out.append(("nl", nl))
        else:
            out.append(("p", punct or other))
    return out


def go_unquote(s):
    def esc(m):
        c = m.group(1)
        table = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
        if c in table:
            return table[c]
        if c[0] == "x":
            return chr(int(c[1:], 16))
        if c[0] in "uU":
            return chr(int(c[1:], 16))
        return chr(int(c, 8))
    return re.sub(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)', esc, s)


class Unsupported(Exception):
    pass


class Reader:
    def __init__(self, toks, env, templates):
        self.t, self.i, self.env, self.templates = toks, 0, env, templates

    def peek(self, skip_nl=True):
        j = self.i
        while skip_nl and j < len(self.t) and self.t[j][0] == "nl":
            j += 1
        return self.t[j] if j < len(self.t) else ("eof", "")

    def next(self, skip_nl=True):
        while skip_nl and self.i < len(self.t) and self.t[self.i][0] == "nl":
            self.i += 1
        tok = self.t[self.i] if self.i < len(self.t) else ("eof", "")
        self.i += 1
        return tok

    def expect(self, value):
        tok = self.next()
        if tok[1] != value:
            raise Unsupported("expected %s, got %s" % (value, tok[1]))

    def expr(self):
        value = self.term()
        while self.peek(skip_nl=False)[1] == "+":
            self.next()
            rhs = self.term()
            if not (isinstance(value, str) and isinstance(rhs, str)):
                raise Unsupported("+ on non-strings")
            value += rhs
        return value

    def term(self):
        kind, text = self.next()
        if kind == "str":
            return text
        if kind == "num":
            return int(text) if text.isdigit() else text
        if kind == "p" and text == "[":
            self.expect("]")
            self.expect("string")
            self.expect("{")
            return self.items("}")
        if kind == "id":
            name = text
            while self.peek(skip_nl=False)[1] == ".":
                self.next()
                name += "." + self.next()[1]
            if self.peek(skip_nl=False)[1] == "(":
                self.next()
                args = self.items(")")
                return self.call(name, args)
            if name in self.env:
                return self.env[name]
            if name == "nil":
                return []
            raise Unsupported("unknown name " + name)
        raise Unsupported("unexpected " + text)

    def items(self, close):
        values = []
        while True:
            if self.peek()[1] == close:
                self.next()
                return values
            value = self.expr()
            if self.peek()[1] == "...":
                self.next()
                values.extend(value)
            else:
                values.append(value)
            tok = self.next()
            if tok[1] == close:
                return values
            if tok[1] != ",":
                raise Unsupported("expected , got " + tok[1])

    def call(self, name, args):
        short = name.split(".")[-1]
        sizes = {"Numeric": "[0-9]{%s}", "Hex": "[a-f0-9]{%s}", "AlphaNumeric": "[a-z0-9]{%s}",
                 "AlphaNumericExtendedShort": "[a-z0-9_-]{%s}", "AlphaNumericExtended": r"[a-z0-9=_\-]{%s}",
                 "AlphaNumericExtendedLong": r"[a-z0-9\/=_\+\-]{%s}"}
        if name.startswith("utils.") and short in sizes:
            return sizes[short] % args[0]
        if short == "Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if name in ("secrets.NewSecret", "secrets.NewSecretWithEntropy"):
            return sample(args[0])
        if short == "GenerateSampleSecret":
            return "%s_api_token = \"%s\"" % (args[0], args[1])
        if short == "GenerateSampleSecrets":
            return [t.replace("{i}", args[0]).replace("{I}", args[0].upper()).replace("{s}", args[1]) for t in self.templates]
        if name == "fmt.Sprintf":
            fmt, rest = args[0], list(args[1:])
            def verb(m):
                if m.group(0) == "%%":
                    return "%"
                return str(rest.pop(0)) if rest else ""
            return re.sub(r"%%|%[-+# 0-9.]*[svdqx]", verb, fmt)
        if name == "strings.Repeat":
            return args[0] * int(args[1])
        if name == "strings.ToUpper":
            return args[0].upper()
        if name == "strings.ToLower":
            return args[0].lower()
        if name == "strings.ReplaceAll":
            return args[0].replace(args[1], args[2])
        if name == "append":
            return list(args[0]) + args[1:]
        if name == "string":
            return args[0]
        raise Unsupported("unknown call " + name)


def sample_templates(repo):
    src = git_show(repo, "cmd/generate/config/utils/generate.go") or ""
    body = src.split("samples := map[string]string{", 1)[-1].split("\n\t}", 1)[0]
    templates = []
    for tok_kind, text in _pairs(tokens(body)):
        templates.append(text)
    return templates


def _pairs(toks):
    # key: value pairs of a map[string]string literal: the value is the string after a `:`.
    for j in range(1, len(toks) - 1):
        if toks[j] == ("p", ":") and toks[j - 1][0] == "str" and toks[j + 1][0] == "str":
            yield toks[j + 1]


def gitleaks_rules(repo):
    templates = sample_templates(repo)
    skipped = 0
    for path in git_files(repo, "cmd/generate/config/rules/"):
        if not path.endswith(".go") or path.endswith("_test.go"):
            continue
        toks = tokens(git_show(repo, path) or "")
        i = 0
        while i < len(toks):
            if toks[i] == ("id", "func") and i + 1 < len(toks) and toks[i + 1][0] == "id":
                fname = toks[i + 1][1]
                j = i
                while j < len(toks) and toks[j] != ("p", "{"):
                    j += 1
                depth, k = 0, j
                while k < len(toks):
                    if toks[k] == ("p", "{"):
                        depth += 1
                    elif toks[k] == ("p", "}"):
                        depth -= 1
                        if depth == 0:
                            break
                    k += 1
                body = toks[j + 1:k]
                rule_id, tps, fps, skip = evaluate_body(fname, body, templates)
                skipped += skip
                if tps or fps:
                    yield rule_id, tps, fps
                i = k
            i += 1
    sys.stderr.write("%s: %d example expressions not evaluated\n" % (repo, skipped))


def evaluate_body(fname, body, templates):
    env, skipped = {}, 0
    rule_id = fname
    for j in range(len(body) - 2):
        if body[j] == ("id", "RuleID") and body[j + 1] == ("p", ":") and body[j + 2][0] == "str":
            rule_id = body[j + 2][1]
            break
    depth = 0
    j = 0
    while j < len(body):
        tok = body[j]
        if tok[1] in ("{", "(", "["):
            depth += 1
        elif tok[1] in ("}", ")", "]"):
            depth -= 1
        at_start = depth == 0 and (j == 0 or body[j - 1][0] == "nl")
        if at_start and tok[0] == "id" and j + 1 < len(body) and body[j + 1][1] in (":=", "="):
            reader = Reader(body[j + 2:], env, templates)
            try:
                env[tok[1]] = reader.expr()
                j += 2 + reader.i
                continue
            except (Unsupported, IndexError, ValueError, re.error, TypeError, AttributeError, OverflowError):
                if tok[1] in ("tps", "fps"):
                    skipped += 1
        j += 1
    tps = [x for x in env.get("tps", []) if isinstance(x, str)]
    fps = [x for x in env.get("fps", []) if isinstance(x, str)]
    return rule_id, tps, fps, skipped


# Nosey Parker (Kingfisher's origin) keeps the same YAML rules, with `examples` and
# `negative_examples`, in its library crate.
NOSEYPARKER_RULES = "crates/noseyparker/data/default/builtin/rules/"


def kingfisher_rules(repo, prefix="data/rules/"):
    import yaml
    for path in git_files(repo, prefix):
        if not path.endswith((".yml", ".yaml")):
            continue
        try:
            doc = yaml.safe_load(git_show(repo, path) or "") or {}
        except yaml.YAMLError:
            continue
        for rule in doc.get("rules") or []:
            tps = [x for x in rule.get("examples") or [] if isinstance(x, str)]
            fps = [x for x in rule.get("negative_examples") or [] if isinstance(x, str)]
            yield rule.get("id", path), tps, fps


def main():
    out = sys.argv[1]
    for spec in sys.argv[2:]:
        suite, rest = spec.split("=", 1)
        kind, repo = rest.split(":", 1)
        reader = {"gitleaks": gitleaks_rules, "kingfisher": kingfisher_rules,
                  "noseyparker": lambda r: kingfisher_rules(r, NOSEYPARKER_RULES)}[kind]
        counts, seen = [0, 0], set()
        for rule_id, tps, fps in reader(repo):
            # The same text under two rules (or twice under one) is one example.
            tps = [t for t in tps if ("t", t) not in seen and not seen.add(("t", t))]
            fps = [t for t in fps if ("f", t) not in seen and not seen.add(("f", t))]
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", rule_id)
            for label, items, n in (("true", tps, 0), ("false", fps, 1)):
                d = os.path.join(out, suite, label)
                os.makedirs(d, exist_ok=True)
                for k, text in enumerate(items):
                    with open(os.path.join(d, "%s__%d.txt" % (safe, k)), "w") as f:
                        f.write(text if text.endswith("\n") else text + "\n")
                    counts[n] += 1
        sys.stderr.write("%s: %d true and %d false examples\n" % (suite, counts[0], counts[1]))


if __name__ == "__main__":
    main()
