import Foundation
import ReviewGateTestSupport
import Secrets
import Testing

/// The generic detector on the shapes real code and configuration take, per language and
/// format: a random literal under a secret-like name is found; types, calls, references,
/// identifiers, paths, versions, UUIDs, hashes and placeholders are not. Values are made at run
/// time (`⟨v⟩` in a template is a fresh random literal).
@Suite struct GenericAssignmentTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())

    struct Shape: CustomTestStringConvertible, Sendable {
        var path: String
        var template: String
        var testDescription: String { "\(path): \(template)" }
    }

    /// Generic findings in `text` as found in `path`.
    static func generic(_ text: String, path: String) -> [SecretMatch] {
        var copy = text
        return copy.withUTF8 {
            scanner.scan(UnsafeRawBufferPointer($0), context: ScanContext(path: path), scratch: MatchScratch())
        }.filter { $0.ruleID.hasPrefix("generic") }
    }

    static func value(_ seed: String) -> String {
        var factory = SecretFactory(seed: UInt64(truncatingIfNeeded: seed.utf8.reduce(5381) { ($0 &* 33) &+ UInt64($1) }))
        // Random until it is one a person would call random: both cases and a digit.
        while true {
            let v = factory.alnum(22)
            if v.contains(where: \.isUppercase), v.contains(where: \.isLowercase), v.contains(where: \.isNumber) { return v }
        }
    }

    static let secrets: [Shape] = [
        Shape(path: ".env", template: "DB_PASSWORD=⟨v⟩"),
        Shape(path: "config/app.properties", template: "spring.datasource.password=⟨v⟩"),
        Shape(path: "config/mail.properties", template: "mail.smtp.password: ⟨v⟩"),
        Shape(path: "settings.ini", template: "password = ⟨v⟩ ; the staging one"),
        Shape(path: "config.toml", template: "api_key = \"⟨v⟩\""),
        Shape(path: "config/app.yml", template: "  client_secret: ⟨v⟩"),
        Shape(path: "deploy/values.yaml", template: "- token: '⟨v⟩'"),
        Shape(path: "config.json", template: "  \"apiKey\": \"⟨v⟩\","),
        Shape(path: "Web.config", template: "<add key=\"mail\" password=\"⟨v⟩\" />"),
        Shape(path: "pom.xml", template: "  <db.password>⟨v⟩</db.password>"),
        Shape(path: "deploy.sh", template: "export API_TOKEN=⟨v⟩"),
        Shape(path: "deploy.sh", template: "SECRET_KEY=\"⟨v⟩\""),
        Shape(path: "app/settings.py", template: "PASSWORD = \"⟨v⟩\""),
        Shape(path: "app/client.py", template: "client = Client(api_key='⟨v⟩')"),
        Shape(path: "src/index.ts", template: "export const apiToken: string = \"⟨v⟩\";"),
        Shape(path: "src/config.js", template: "  accessKey: '⟨v⟩',"),
        Shape(path: "main.go", template: "\tPassword: \"⟨v⟩\","),
        Shape(path: "main.go", template: "\tsecret := \"⟨v⟩\""),
        Shape(path: "src/Config.java", template: "    private static final String API_KEY = \"⟨v⟩\";"),
        Shape(path: "src/Config.kt", template: "    val clientSecret: String = \"⟨v⟩\""),
        Shape(path: "Sources/Config.swift", template: "let authToken = \"⟨v⟩\""),
        Shape(path: "Program.cs", template: "private const string ConnectionPassword = \"⟨v⟩\";"),
        Shape(path: "config/initializers/keys.rb", template: "  config.secret_key = \"⟨v⟩\""),
        Shape(path: "lib/client.rb", template: "Client.new(:password => \"⟨v⟩\")"),
        Shape(path: "config.php", template: "$password = '⟨v⟩';"),
        Shape(path: "config/database.php", template: "    'db_password' => '⟨v⟩',"),
        Shape(path: "main.tf", template: "  client_secret = \"⟨v⟩\""),
        Shape(path: "Dockerfile", template: "ENV SERVICE_TOKEN=⟨v⟩"),
        Shape(path: "Makefile", template: "DEPLOY_TOKEN := ⟨v⟩"),
        Shape(path: "docker/.env.staging", template: "# REDIS_PASSWORD=⟨v⟩"),
    ]

    static let notSecrets: [Shape] = [
        // Types and declarations.
        Shape(path: "Sources/FTS5.swift", template: "    public var tokenizer: FTS5TokenizerDescriptor?"),
        Shape(path: "Sources/Syntax.swift", template: "    endOfFileToken: RawTokenSyntax,"),
        Shape(path: "Sources/Auth.swift", template: "    public let clientCredentials: ClientCredentials?"),
        Shape(path: "src/Model.kt", template: "    val accessToken: AccessTokenResponse? = null"),
        Shape(path: "src/api.ts", template: "  refreshToken: RefreshTokenPayload;"),
        Shape(path: "app/models.py", template: "    password: str"),
        Shape(path: "config/app.yml", template: "auth: ldapAuthenticationProvider"),
        // Calls and expressions.
        Shape(path: "Sources/Schema.swift", template: "let passwordString = JSONSchema.string(description: \"the password\")"),
        Shape(path: "src/Main.java", template: "String password = readPassword(console, \"⟨v⟩\");"),
        Shape(path: "app/client.py", template: "token = \"⟨v⟩\" + suffix"),
        Shape(path: "app/check.py", template: "if password == \"⟨v⟩\":"),
        Shape(path: "app/run.py", template: "secret = ⟨v⟩"),
        Shape(path: "Sources/Keys.swift", template: "let secret = SecretStore.shared.secretValue"),
        // Names of other things.
        Shape(path: "app/hash.py", template: "password_hash = \"⟨v⟩\""),
        Shape(path: "app/types.py", template: "token_type = \"⟨v⟩\""),
        Shape(path: "config.yml", template: "secret_name: ⟨v⟩"),
        Shape(path: "src/tok.c", template: "static int max_tokens = 4096;"),
        // Build files and C.
        Shape(path: "Makefile", template: "git-credential-osxkeychain.o: git-credential-osxkeychain.c"),
        Shape(path: "grep.c", template: "\tp->token = GREP_PATTERN_HEAD_AUTHOR;"),
        // References and templates.
        Shape(path: "t/lib-httpd.sh", template: "HTTPD_URL_USER_PASS=$HTTPD_PROTO://$USER_PASS@$HTTPD_DEST"),
        Shape(path: ".env", template: "PASSWORD=${DB_PASSWORD}"),
        Shape(path: "deploy/values.yaml", template: "password: \"{{ .Values.dbPassword }}\""),
        Shape(path: "app/settings.py", template: "SECRET_KEY = os.environ[\"SECRET_KEY\"]"),
        Shape(path: "app/settings.py", template: "password = \"%(db_password)s\""),
        Shape(path: "src/index.js", template: "const apiKey = process.env.API_KEY;"),
        Shape(path: "config/app.properties", template: "db.password=${DB_PASSWORD}"),
        Shape(path: "config.rb", template: "token = \"#{prefix}⟨v⟩\""),
        // Paths, URLs, versions, UUIDs, hashes.
        Shape(path: "config.yml", template: "private_key: /etc/ssl/private/server.key"),
        Shape(path: "config.yml", template: "credentials: config/credentials.yml.enc"),
        Shape(path: "config.yml", template: "token_url: https://auth.example.org/oauth/token"),
        Shape(path: "config.yml", template: "auth_token: v2.14.3-rc1"),
        Shape(path: "config.json", template: "\"api_key\": \"123e4567-e89b-12d3-a456-426614174000\""),
        Shape(path: "vectors.json", template: "\"shared_secret\": \"⟨hex⟩\","),
        Shape(path: "config.yml", template: "secret: ⟨hex⟩"),
        Shape(path: "src/main/resources/application.yml", template: "      private-key: \"classpath:certs/test-server.key\""),
        Shape(path: "src/Tests.java", template: "@PemKeyStore(certificate = \"classpath:ssl/client.crt\", privateKey = \"file:/etc/ssl/client.key\")"),
        Shape(path: "src/Resolver.java", template: "String accessKey = \"management.endpoint.%s.access\".formatted(id);"),
        // Placeholders and words.
        Shape(path: "build.gradle", template: "    token = \"9cbaf023786cd7...\""),
        Shape(path: "config.yml", template: "password: changeme"),
        Shape(path: "config.yml", template: "password: <your-password>"),
        Shape(path: ".env", template: "API_KEY=YOUR_API_KEY_HERE"),
        Shape(path: "src/config.ts", template: "password: \"********\","),
        Shape(path: "config.yml", template: "api_token: xxxxxxxxxxxxxxxxxxxx"),
        Shape(path: "config.yml", template: "password: Password2024"),
        Shape(path: "README.md", template: "Set `password` to the value of ⟨v⟩ in your shell."),
        // Interpolations and format fields anywhere in the literal.
        Shape(path: "Sources/Upload.swift", template: "let token = \"\\(random.next())-\\(random.next())\""),
        Shape(path: "app/conn.py", template: "password = f\"pw-{user_id}⟨v⟩\""),
        // Words, whatever joins them; numbers typed in order; digests under a tag; base64 of words.
        Shape(path: "Tests/FilterSpec.swift", template: "    token: \"value|unknownFilter\","),
        Shape(path: "test/run.sh", template: "dbPass=\"test-$RANDOM-password-$RANDOM-$$\""),
        Shape(path: "test/users.yml", template: "password: 'SecurePass123!'"),
        Shape(path: "Tests/OTPTests.swift", template: "let secret = \"HB12345678901234567890\""),
        Shape(path: "Tests/PasswordTests.swift", template: "let password = \"md522d085ed8dc3377968dc1c1a40519a2a\""),
        Shape(path: "test/cassette.yml", template: "\"access_token\": \"access-sandbox-0af2c971-41a6-4fc5-a97d-f2b27ab0a648\","),
        Shape(path: "test/auth.test.ts", template: "const credential = 'aG9uby11c2VyLWE6aG9uby1wYXNzd29yZC1h'"),
        Shape(path: "deploy/gateway.yaml", template: "- -cookie-secret=ZXhhbXBsZS1jb29raWUtc2VjcmV0enp6"),
    ]

    static func fill(_ shape: Shape) -> (text: String, value: String) {
        let v = value(shape.template + shape.path)
        var hex = ""
        var factory = SecretFactory(seed: 99)
        hex = factory.random(64, from: "0123456789abcdef")
        let line = shape.template.replacingOccurrences(of: "⟨v⟩", with: v).replacingOccurrences(of: "⟨hex⟩", with: hex)
        return ("first line\n" + line + "\nlast line\n", v)
    }

    @Test(arguments: secrets)
    func findsRandomLiterals(_ shape: Shape) {
        let (text, v) = Self.fill(shape)
        let found = Self.generic(text, path: shape.path)
        #expect(found.count == 1 && found.first?.secret == Array(v.utf8), "\(text)")
        #expect(found.first?.line == 2)
    }

    @Test(arguments: notSecrets)
    func ignoresWhatIsNotASecret(_ shape: Shape) {
        let (text, _) = Self.fill(shape)
        #expect(Self.generic(text, path: shape.path).isEmpty, "\(text)")
    }

    /// A bare value is a literal only outside source code; the same line in a config file is.
    @Test func bareValuesDependOnTheFileKind() {
        let v = Self.value("bare")
        #expect(Self.generic("api_token = \(v)\n", path: "src/app.py").isEmpty)
        #expect(Self.generic("api_token = \(v)\n", path: "conf/app.ini").count == 1)
        #expect(GenericAssignment.allowsBareValue(path: "Dockerfile"))
        #expect(!GenericAssignment.allowsBareValue(path: "a/b/Main.kt"))
    }

    @Test func secretNames() {
        for name in ["password", "DB_PASSWORD", "dbPassword", "mysqlpassword", "api_key", "apiKey", "APIKEY", "x-api-key",
                     "client_secret", "clientSecret", "SECRET_KEY", "signingKey", "auth_token", "authToken", "credentials",
                     "user_pass", "private_key", "passwordValue", "token2", "aws.secret"] {
            #expect(GenericAssignment.isSecretName(Array(name.utf8)), "\(name)")
        }
        for name in ["tokenizer", "secret_name", "token_type", "password_hash", "max_tokens", "keyboard", "monkey", "primary_key",
                     "endOfFile", "passwordField", "hotkey", "tokens", "bypass"] {
            #expect(!GenericAssignment.isSecretName(Array(name.utf8)), "\(name)")
        }
    }

    @Test func randomValues() {
        var factory = SecretFactory(seed: 3)
        for _ in 0..<200 {
            let v = factory.random(24, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            guard v.contains(where: \.isNumber), v.contains(where: \.isUppercase), v.contains(where: \.isLowercase) else { continue }
            #expect(GenericAssignment.looksRandom(Array(v.utf8)), "\(v)")
        }
        for v in ["FTS5TokenizerDescriptor", "RawTokenSyntax", "getPassword", "my_secret_name", "snake_case_value", "kebab-case-name",
                  "com.example.Secret", "v1.2.3", "2.0.0-beta.1", "12345678", "deadbeefcafebabe", "DEADBEEF00112233",
                  "a2c4e6f8-1b3d-4f5a-8c7e-9d0b1a2c3e4f", "xxxxxxxxxx", "changeme", "Password2024", "../certs/server.pem",
                  "C:\\keys\\id_rsa", "https://example.org/x", "${SECRET}", "$SECRET_VALUE", "%(secret)s", "{{ secret }}", "<secret>",
                  "@Value", "!vault", "*default_password", "target|unknown", "a-secret%你好", "abcd9f2Kq!", "bl0bisawesome!", "a1B2c3D4e5F6g7H8i9J0",
                  "dXNlcjpwYXNz", "sha256:" + String(repeating: "3f9a", count: 16)] {
            #expect(!GenericAssignment.looksRandom(Array(v.utf8)), "\(v)")
        }
    }

    /// A password in a URL, a curl command or an authorization header is judged like an
    /// assigned literal, after percent- and base64-decoding; a UUID or hex there is a key.
    @Test func credentials() {
        var factory = SecretFactory(seed: 14)
        let random = factory.random(16, from: "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")
        let basic = Data(("ci:" + random).utf8).base64EncodedString()
        for v in [random, basic, "7ea7fb46-b8fa-5390-0a22-3e5e645567ab", factory.random(32, from: "0123456789abcdef")] {
            #expect(GenericAssignment.isCredential(Array(v.utf8)), "\(v)")
        }
        for v in ["home-pass", "passwd-on-proxy", "[Filtered]", "{ENCODED_PASSWORD}", "\\(dnsName)", "Administrator",
                  "token_for_Frank", "%F0%9F%8D%A9", "pass1%40bar%3Apass2", "YWxhZGRpbjpvcGVuc2VzYW1l", "dGVzdHVzZXI6dGVzdHBhc3MxMjM=",
                  "00000000-0000-0000-0000-000000000000"] {
            #expect(!GenericAssignment.isCredential(Array(v.utf8)), "\(v)")
        }
        // In a URL: the test credentials of URL parsers and docs are not reported.
        let url = "see https://home-user:home-pass@example.com and http://\\(name):\\(name)@host.test\n"
        var text = url
        let hits = text.withUTF8 { Self.scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
        #expect(hits.isEmpty)
        var real = "DATABASE_URL=postgresql://app:\(random)@db.internal:5432/db\n"
        #expect(real.withUTF8 { Self.scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.map(\.ruleID) == ["postgres-url-password"])
    }
}
