using System.Text;
using IoTCerts.Cli;

namespace IoTCerts.Est.Tests;

/// <summary>
/// One <c>iotcerts est serve</c> process for the conformance suite, and a client PKI made with openssl only: a
/// manufacturer root, a factory intermediate and a bootstrap certificate under it (sent as leaf + intermediate).
/// </summary>
public sealed class EstConformanceFixture : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private EstServeProcess? _server;

    public string WorkingDirectory => _temp.Path;

    public string Url => _server!.Url;

    public string ServerOutput => _server is null ? string.Empty : _server.Output + _server.Error;

    /// <summary>The CA's certificate: the EST server's TLS certificate is issued by it (curl --cacert).</summary>
    public string CaCertificate => _temp.File(Path.Combine("ca", "caCert.pem"));

    public async Task InitializeAsync()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var init = await Task.Run(() => CliApp.Run(["ca", "init", "--dir", _temp.File("ca"), "--subject", "CN=Conformance EST CA", "--key", "ec-p256", "--no-password"], stdout, stderr));
        Assert.True(init == 0, stderr.ToString());

        Ssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "mfr-root.key");
        Ssl("req", "-x509", "-new", "-key", "mfr-root.key", "-subj", "/CN=Manufacturer Root", "-days", "3650", "-sha256",
            "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "mfr-root.pem");
        Ssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "mfr-ica.key");
        Ssl("req", "-new", "-key", "mfr-ica.key", "-subj", "/CN=Manufacturer Factory CA", "-out", "mfr-ica.csr");
        System.IO.File.WriteAllText(_temp.File("ica.ext"), "basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        Ssl("x509", "-req", "-in", "mfr-ica.csr", "-CA", "mfr-root.pem", "-CAkey", "mfr-root.key", "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", "ica.ext", "-out", "mfr-ica.pem");
        Ssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "bootstrap.key");
        Ssl("req", "-new", "-key", "bootstrap.key", "-subj", "/CN=bootstrap conformance", "-out", "bootstrap.csr");
        System.IO.File.WriteAllText(_temp.File("leaf.ext"), "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n");
        Ssl("x509", "-req", "-in", "bootstrap.csr", "-CA", "mfr-ica.pem", "-CAkey", "mfr-ica.key", "-CAcreateserial", "-days", "365", "-sha256", "-extfile", "leaf.ext", "-out", "bootstrap-leaf.pem");
        System.IO.File.WriteAllText(_temp.File("bootstrap-chain.pem"), System.IO.File.ReadAllText(_temp.File("bootstrap-leaf.pem")) + System.IO.File.ReadAllText(_temp.File("mfr-ica.pem")));
        System.IO.File.WriteAllText(_temp.File("basic.password"), "conformance-secret\n", Encoding.ASCII);

        _server = await EstServeProcess.StartAsync("--ca", _temp.File("ca"), "--bootstrap-ca", _temp.File("mfr-root.pem"),
            "--basic-user", "basic-device", "--basic-password-file", _temp.File("basic.password"));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _temp.Dispose();
    }

    public string File(string name) => _temp.File(name);

    public string Ssl(params string[] arguments) => ShellTool.OpenSsl(_temp.Path, arguments);
}
