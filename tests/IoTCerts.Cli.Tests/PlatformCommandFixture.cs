namespace IoTCerts.Cli.Tests;

/// <summary>
/// The shared openssl files plus what the revocation and platform commands need, all made by the openssl CLI:
/// CRLs from <c>openssl ca -gencrl</c> (the issuing CA revokes device.pem), a second good device, a device whose CRL
/// distribution point is a closed local port, an Azure Edge CA with the R-41 extensions, and an IBM-named device.
/// </summary>
public sealed class PlatformCommandFixture : IDisposable
{
    public PlatformCommandFixture()
    {
        Files = new OpenSslFixtures();
        Write("ca.cnf", """
            [ca]
            default_ca = local

            [local]
            database = index.txt
            crlnumber = crlnumber
            default_md = sha256
            default_crl_days = 7
            crl_extensions = crl_ext

            [crl_ext]
            authorityKeyIdentifier = keyid:always
            """);
        Write("index.txt", string.Empty);
        Write("crlnumber", "01\n");
        Write("dev2.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\nextendedKeyUsage=clientAuth\n");
        Write("dev4.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:1/ca.crl\n");
        Write("edge.ext", "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,digitalSignature,keyCertSign\n");

        Device("device2", "/CN=device-0002");
        Device("device3", "/CN=bad:device");
        Device("ibm", "/CN=d:sensor:dev-42");
        Device("device4", "/CN=device-0004", "dev4.ext");
        Files.OpenSsl("req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout edge.key -out edge.csr -subj /CN=Edge CA");
        Files.OpenSsl("x509 -req -in edge.csr -CA root.pem -CAkey root.key -CAcreateserial -days 90 -extfile edge.ext -out edge.pem");

        Files.OpenSsl("ca -config ca.cnf -keyfile int.key -cert int.pem -revoke device.pem -crl_reason keyCompromise");
        Files.OpenSsl("ca -config ca.cnf -keyfile int.key -cert int.pem -gencrl -out int.crl");
        Write("root-index.txt", string.Empty);
        Write("root-crlnumber", "01\n");
        Write("root.cnf", File.ReadAllText(PathOf("ca.cnf")).Replace("index.txt", "root-index.txt", StringComparison.Ordinal).Replace("= crlnumber", "= root-crlnumber", StringComparison.Ordinal));
        Files.OpenSsl("ca -config root.cnf -keyfile root.key -cert root.pem -gencrl -out root.crl");
    }

    public OpenSslFixtures Files { get; }

    public string PathOf(string name) => Files.PathOf(name);

    public void Dispose() => Files.Dispose();

    private void Write(string name, string text) => File.WriteAllText(PathOf(name), text);

    private void Device(string name, string subject, string extensions = "dev2.ext")
    {
        Files.OpenSsl($"req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {name}.key -out {name}.csr -subj {subject}");
        Files.OpenSsl($"x509 -req -in {name}.csr -CA int.pem -CAkey int.key -CAcreateserial -days 200 -extfile {extensions} -out {name}.pem");
        File.WriteAllText(PathOf(name + "-chain.pem"), File.ReadAllText(PathOf(name + ".pem")) + File.ReadAllText(PathOf("int.pem")));
    }
}
