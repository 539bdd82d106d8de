using System.Diagnostics;

namespace IoTCerts.Core.Tests.Loading;

/// <summary>
/// Material made by the real openssl CLI, once per test run, in a temporary directory: a root → intermediate →
/// device chain (RSA and EC devices) and the device keys in every encoding the loader reads.
/// </summary>
public sealed class OpenSslFixtures : IDisposable
{
    public const string Password = "pw";

    private const string Script = """
        set -e
        export OPENSSL_CONF=/dev/null
        printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
        openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -subj /CN=Test-Root -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout int.key -out int.csr -subj /CN=Test-Intermediate 2>/dev/null
        openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -set_serial 2 -out int.pem -days 30 -extfile ca.ext 2>/dev/null
        cat int.pem root.pem > chain.pem

        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.p8.pem 2>/dev/null
        openssl req -new -key rsa.p8.pem -out rsa.csr.pem -subj /CN=device-rsa
        openssl req -in rsa.csr.pem -outform DER -out rsa.csr.der
        openssl x509 -req -in rsa.csr.pem -CA int.pem -CAkey int.key -set_serial 3 -out rsa.crt.pem -days 30 2>/dev/null
        openssl x509 -in rsa.crt.pem -outform DER -out rsa.crt.der
        cp rsa.crt.der rsa-der-named.pem
        cp rsa.crt.pem rsa-pem-named.der
        openssl rsa -in rsa.p8.pem -noout -modulus > rsa.modulus

        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.p8.pem
        openssl req -new -key ec.p8.pem -out ec.csr.pem -subj /CN=device-ec
        openssl x509 -req -in ec.csr.pem -CA int.pem -CAkey int.key -set_serial 4 -out ec.crt.pem -days 30 2>/dev/null
        openssl ec -in ec.p8.pem -noout -text 2>/dev/null | tr -d ' :\n' | sed 's/.*pub//; s/ASN1OID.*//' > ec.pub.hex

        openssl pkcs8 -topk8 -nocrypt -in rsa.p8.pem -outform DER -out rsa.p8.der
        openssl rsa -in rsa.p8.pem -traditional -out rsa.pkcs1.pem 2>/dev/null
        openssl rsa -in rsa.p8.pem -traditional -outform DER -out rsa.pkcs1.der 2>/dev/null
        openssl ec -in ec.p8.pem -out ec.sec1.pem 2>/dev/null
        openssl ec -in ec.p8.pem -outform DER -out ec.sec1.der 2>/dev/null
        openssl ecparam -name prime256v1 > ec.params-and-key.pem
        cat ec.sec1.pem >> ec.params-and-key.pem

        openssl genrsa -aes256 -traditional -passout pass:pw -out genrsa-aes256.pem 2048 2>/dev/null
        openssl rsa -in genrsa-aes256.pem -passin pass:pw -noout -modulus > genrsa-aes256.modulus
        openssl rsa -in rsa.p8.pem -aes128 -traditional -passout pass:pw -out rsa.legacy-aes128.pem 2>/dev/null
        openssl rsa -in rsa.p8.pem -aes192 -traditional -passout pass:pw -out rsa.legacy-aes192.pem 2>/dev/null
        openssl rsa -in rsa.p8.pem -des3 -traditional -passout pass:pw -out rsa.legacy-des3.pem 2>/dev/null
        openssl ec -in ec.p8.pem -des3 -passout pass:pw -out ec.legacy-des3.pem 2>/dev/null
        openssl ec -in ec.p8.pem -aes256 -passout pass:pw -out ec.legacy-aes256.pem 2>/dev/null

        openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes256 -passout pass:pw -out rsa.p8-aes256.pem
        openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes256 -passout pass:pw -outform DER -out rsa.p8-aes256.der
        openssl pkcs8 -topk8 -in ec.p8.pem -v2 aes128 -v2prf hmacWithSHA1 -passout pass:pw -out ec.p8-aes128-sha1.pem
        openssl pkcs8 -topk8 -in ec.p8.pem -v1 PBE-SHA1-3DES -passout pass:pw -out ec.p8-3des.pem

        openssl pkcs12 -export -inkey rsa.p8.pem -in rsa.crt.pem -certfile chain.pem -name devicekeyentry -passout pass:pw -out rsa.p12
        openssl pkcs12 -export -legacy -inkey rsa.p8.pem -in rsa.crt.pem -certfile chain.pem -name devicekeyentry -passout pass:pw -out rsa-legacy.p12
        openssl pkcs12 -export -inkey ec.p8.pem -in ec.crt.pem -certfile chain.pem -passout pass: -out ec-empty-password.p12
        openssl pkcs12 -export -nomac -inkey ec.p8.pem -in ec.crt.pem -certfile chain.pem -passout pass:pw -out ec-nomac.p12
        openssl pkcs12 -export -iter 1 -nomaciter -inkey ec.p8.pem -in ec.crt.pem -certfile chain.pem -passout pass:pw -out ec-cheap.p12
        openssl pkcs12 -in rsa.p12 -nodes -passin pass:pw -out rsa.p12-nodes.pem

        openssl crl2pkcs7 -nocrl -certfile rsa.crt.pem -certfile chain.pem -out bundle.p7b.pem
        openssl crl2pkcs7 -nocrl -certfile rsa.crt.pem -certfile chain.pem -outform DER -out bundle.p7b
        openssl x509 -in root.pem -addtrust clientAuth -out root.trusted.pem

        mkdir -p ca && : > ca/index.txt && echo 01 > ca/crlnumber
        printf '[ca]\ndefault_ca=d\n[d]\ndatabase=ca/index.txt\ncrlnumber=ca/crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n' > ca.cnf
        openssl ca -config ca.cnf -gencrl -keyfile int.key -cert int.pem -out int.crl.pem 2>/dev/null
        openssl crl -in int.crl.pem -outform DER -out int.crl.der

        openssl genpkey -algorithm ed25519 -out ed25519.pem
        openssl genpkey -algorithm ed25519 -outform DER -out ed25519.der
        """;

    public OpenSslFixtures()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "iotcerts-loader-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path("make.sh"), Script);
        var (exit, output) = Run("bash", "make.sh");
        if (exit != 0)
        {
            throw new InvalidOperationException("fixture generation failed: " + output);
        }
    }

    public string Directory { get; }

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public (int ExitCode, string Output) OpenSsl(params string[] arguments) => Run("openssl", arguments);

    public (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class OpenSslCollection : ICollectionFixture<OpenSslFixtures>
{
    public const string Name = "openssl fixtures";
}
