using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Est;
using IoTCerts.Est.Server;
using IoTCerts.Issuance;
using IoTCerts.Mqtt;
using IoTCerts.Samples.Quickstart;

// quickstart [<empty or new directory>]
// A device certificate's whole life on one machine: a root and an issuing CA, an EST server in this process,
// bootstrap enrollment and re-enrollment of a device, validation for Cumulocity, keystore and truststore, and
// (when mosquitto is installed) a mutual-TLS MQTT connection. Exit code 0 when every step passed.
string root = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"iotcerts-quickstart-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
{
    Console.Error.WriteLine($"quickstart: '{root}' is not empty; give an empty or new directory");
    return 2;
}

Directory.CreateDirectory(root);
var report = new Report(root);
var files = new QuickstartFiles(root);
Console.WriteLine($"IoTCerts quickstart in {root}");

try
{
    // 1. Certificate authorities (IoTCerts.Issuance): the fleet's root, the issuing CA below it, and a separate
    //    bootstrap CA whose certificates only allow a device's first enrollment.
    report.Step("Certificate authorities");
    using CertificateAuthority rootCa = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(files.PathOf("root-ca")),
        new CaOptions { Subject = "CN=Quickstart Root CA,O=IoTCerts Quickstart", KeyAlgorithm = KeyAlgorithm.EcP256, Validity = TimeSpan.FromDays(3650) });
    using CertificateAuthority issuingCa = rootCa.CreateIntermediate(new DirectoryCaDatabase(files.PathOf("issuing-ca")),
        new CaOptions { Subject = "CN=Quickstart Issuing CA,O=IoTCerts Quickstart", KeyAlgorithm = KeyAlgorithm.EcP256, Validity = TimeSpan.FromDays(1825) });
    using CertificateAuthority bootstrapCa = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(files.PathOf("bootstrap-ca")),
        new CaOptions { Subject = "CN=Quickstart Bootstrap CA,O=IoTCerts Quickstart", KeyAlgorithm = KeyAlgorithm.EcP256 });
    string rootPem = files.WriteCertificates("root-ca.pem", [rootCa.Certificate]);
    report.Line($"root CA      {rootCa.Certificate.Subject} (until {rootCa.Certificate.NotAfter:yyyy-MM-dd})");
    report.Line($"issuing CA   {issuingCa.Certificate.Subject}, signed by the root");
    report.Line($"bootstrap CA {bootstrapCa.Certificate.Subject} (first enrollment only)");
    report.File("CA folders", files.PathOf("root-ca") + "/, issuing-ca/, bootstrap-ca/");
    report.File("trust anchor", rootPem);

    // The TLS server certificate for the EST server and the MQTT broker (serverAuth, 127.0.0.1 and localhost).
    (IssuedCertificate serverIssued, SigningKey serverKey) = issuingCa.IssueWithNewKey("CN=localhost,O=IoTCerts Quickstart",
        CertificateProfile.Server(), KeyAlgorithm.EcP256, ["DNS:localhost", "IP:127.0.0.1"], TimeSpan.FromDays(30));
    using X509Certificate2 serverCertificate = serverIssued.Certificate.CopyWithPrivateKey((ECDsa)serverKey.Key);
    string serverChainPem = files.WriteCertificates("server-chain.pem", [serverIssued.Certificate, issuingCa.Certificate]);
    string serverKeyPem = files.WriteSecret("server.key", serverKey.ExportPkcs8Pem(null));

    // 2. The device's bootstrap identity, as a factory would install it.
    report.Step("Bootstrap identity (installed at the factory)");
    const string deviceName = "quickstart-device-0001";
    (IssuedCertificate bootstrapIssued, SigningKey bootstrapKey) = bootstrapCa.IssueWithNewKey($"CN=bootstrap-{deviceName}", CertificateProfile.Device(), KeyAlgorithm.EcP256);
    using X509Certificate2 bootstrap = bootstrapIssued.Certificate.CopyWithPrivateKey((ECDsa)bootstrapKey.Key);
    report.Line($"{bootstrap.Subject}, issued by {bootstrapCa.Certificate.Subject}");
    report.File("certificate", files.WriteCertificates("bootstrap.pem", [bootstrap]));
    report.File("key", files.WriteSecret("bootstrap.key", bootstrapKey.ExportPkcs8Pem(null)));

    // 3. The EST server (IoTCerts.Est.Server) in this process, issuing from the issuing CA.
    report.Step("EST server (RFC 7030) in this process");
    await using EstServerHost est = await EstServerHost.StartAsync(serverCertificate, [issuingCa.Certificate], options =>
    {
        options.Issuer = new CertificateAuthorityIssuer(issuingCa, CertificateProfile.Device(), TimeSpan.FromDays(90));
        options.Authorizers.Add(EstAuthorization.ClientCertificate([bootstrapCa.Certificate]));

        // The walk-through stores the enrollment answer's chain with the device certificate (used for MQTT).
        options.IncludeChainInEnrollmentResponses = true;
    });
    report.Line($"listening on {est.Address}.well-known/est/ (TLS, client certificate required to enroll)");
    report.Line("enrollment: a bootstrap certificate; re-enrollment: the device's own certificate");

    // 4. Enrollment with the bootstrap certificate (IoTCerts.Est client), the key made on the device.
    report.Step("Enrollment (/simpleenroll, authenticated with the bootstrap certificate)");
    using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    X509Certificate2Collection caCertificates;
    X509Certificate2 enrolled;
    {
        EstClient bootstrapClient = EstClientFor(est.Address, rootCa.Certificate, bootstrap);
        caCertificates = await bootstrapClient.GetCaCertificatesAsync();
        EstEnrollmentResult result = await bootstrapClient.EnrollAsync(EnrollmentRequest.Create(deviceKey, new X500DistinguishedName($"CN={deviceName}, O=IoTCerts Quickstart")));
        enrolled = result.Certificate ?? throw new InvalidOperationException("the EST server answered without a certificate");
    }

    report.Line($"/cacerts: {caCertificates.Count} certificate(s): {string.Join(", ", caCertificates.Select(c => c.GetNameInfo(X509NameType.SimpleName, false)))}");
    report.Line($"issued {enrolled.Subject}, serial {enrolled.SerialNumber}, until {enrolled.NotAfter:yyyy-MM-dd}");
    report.File("certificate", files.WriteCertificates("device-enrolled.pem", [enrolled]));
    report.File("key", files.WriteSecret("device.key", deviceKey.ExportPkcs8PrivateKeyPem()));

    // 5. Re-enrollment with the device's own certificate: same subject, same key (RFC 7030 section 4.2.2).
    report.Step("Re-enrollment (/simplereenroll, authenticated with the enrolled certificate)");
    using X509Certificate2 enrolledWithKey = enrolled.CopyWithPrivateKey(deviceKey);
    X509Certificate2 renewed;
    {
        EstClient deviceClient = EstClientFor(est.Address, rootCa.Certificate, enrolledWithKey, issuingCa.Certificate);
        EstEnrollmentResult result = await deviceClient.ReenrollAsync(EnrollmentRequest.CreateRenewal(enrolledWithKey, deviceKey));
        renewed = result.Certificate ?? throw new InvalidOperationException("the EST server answered without a certificate");
    }

    report.Line($"renewed {renewed.Subject}, serial {renewed.SerialNumber} (was {enrolled.SerialNumber}), until {renewed.NotAfter:yyyy-MM-dd}");
    string devicePem = files.WriteCertificates("device.pem", [renewed]);
    string deviceChainPem = files.WriteCertificates("device-chain.pem", [renewed, issuingCa.Certificate]);
    report.File("certificate", devicePem);
    report.File("chain", deviceChainPem);

    // 6. Validation: Core's ChainValidator (RFC 5280, clientAuth) and the Cumulocity platform profile.
    report.Step("Validation of the device chain (RFC 5280 + platform profile 'cumulocity')");
    Certificate deviceCert = Certificate.Parse(renewed.RawData);
    Certificate issuingCert = Certificate.Parse(issuingCa.Certificate.RawData);
    Certificate rootCert = Certificate.Parse(rootCa.Certificate.RawData);
    ChainValidationResult chain = new ChainValidator([rootCert]).Validate(deviceCert, [issuingCert], new ValidationContext { Purpose = CertificatePurpose.ClientAuth });
    if (chain.IsValid)
    {
        report.Ok($"chain of {chain.Chain.Count}: {string.Join(" -> ", chain.Chain.Select(c => c.Subject.CommonName))}");
    }
    else
    {
        report.Fail(string.Join("; ", chain.Errors));
    }

    PlatformProfile cumulocity = PlatformProfile.Get("cumulocity");
    ProfileReport profile = cumulocity.CheckDeviceChain([deviceCert, issuingCert, rootCert], new ProfileCheckOptions { UploadedCaCertificates = [rootCert] });
    if (profile.IsCompliant)
    {
        report.Ok($"{cumulocity.Name}: {profile.CheckedRules.Count} rule(s) pass; device id (MQTT ClientId) '{cumulocity.ReadDeviceIdentity(deviceCert).DeviceId}'");
    }
    else
    {
        report.Fail($"{cumulocity.Name}: {string.Join("; ", profile.Violations)}");
    }

    // 7. Keystore and truststore (PKCS#12, readable by OpenSSL and Java keytool), checked by reading them back.
    report.Step("Keystore and truststore");
    string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
    string passwordFile = files.WriteSecret("keystore.pass", password + "\n");
    using SigningKey deviceSigningKey = SigningKey.FromKey(deviceKey);
    string keystore = files.WriteSecret("device.p12", Pkcs12Files.CreateKeystore(deviceSigningKey, [renewed, issuingCa.Certificate, rootCa.Certificate], password));
    string truststore = files.WriteBytes("truststore.p12", Pkcs12Files.CreateTruststore([rootCa.Certificate], password));
    LoadedMaterial readBack = MaterialLoader.LoadFile(keystore, new LoadOptions { Password = password });
    if (readBack.PrivateKeys.Count == 1 && readBack.CertificateFor(readBack.PrivateKeys[0])?.Sha256Thumbprint == deviceCert.Sha256Thumbprint)
    {
        report.Ok($"keystore holds the device key with its chain of {readBack.Certificates.Count}");
    }
    else
    {
        report.Fail("the keystore does not read back as the device key and certificate");
    }

    report.File("keystore", keystore);
    report.File("truststore", truststore);
    report.File("password", passwordFile);

    // 8. MQTT over mutual TLS (IoTCerts.Mqtt) against a local mosquitto, when it is installed.
    report.Step("MQTT over mutual TLS");
    string? mosquitto = MosquittoBroker.Find();
    if (mosquitto is null)
    {
        report.Line("skipped: mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto, then run again)");
    }
    else
    {
        using MosquittoBroker broker = await MosquittoBroker.StartAsync(mosquitto, root, rootPem, serverChainPem, serverKeyPem);
        report.Line($"mosquitto on 127.0.0.1:{broker.Port}, client certificates from the root CA required");
        using X509Certificate2 renewedWithKey = renewed.CopyWithPrivateKey(deviceKey);
        await using var client = new MqttDeviceClient(new MqttDeviceClientOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            Credential = new MqttClientCredential(renewedWithKey, [issuingCa.Certificate]),
            ServerCertificateValidator = new TrustStoreServerCertificateValidator([rootCert]),
            ClientIdProfile = MqttClientIdProfile.CommonName,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        MqttConnectResult connected = await client.ConnectAsync();
        await client.PublishAsync("s/us", Encoding.UTF8.GetBytes("200,c8y_Temperature,T,21.5"), MqttQualityOfService.AtLeastOnce);
        await client.DisconnectAsync();
        string log = await File.ReadAllTextAsync(broker.LogFile);
        if (connected.IsAccepted && log.Contains($"Received PUBLISH from {client.ClientId}", StringComparison.Ordinal))
        {
            report.Ok($"connected as '{client.ClientId}' with the renewed certificate and published to s/us (QoS 1, acknowledged)");
        }
        else
        {
            report.Fail($"CONNECT answered {connected.ReturnCode}; the broker log {broker.LogFile} shows no PUBLISH");
        }

        report.File("broker log", broker.LogFile);
    }
}
catch (Exception e) when (e is IssuanceException or EstException or MaterialException or MqttException or IOException or InvalidOperationException or CryptographicException)
{
    report.Fail($"{e.GetType().Name}: {e.Message}");
}

Console.WriteLine();
Console.WriteLine(report.Failed ? $"quickstart: FAILED (files in {root})" : $"quickstart: all steps passed; files in {root}");
return report.Failed ? 1 : 0;

static EstClient EstClientFor(Uri server, X509Certificate2 trustAnchor, X509Certificate2 clientCertificate, params X509Certificate2[] chain)
{
    var options = new EstClientOptions { Server = server, ClientCertificate = clientCertificate };
    options.TrustAnchors.Add(trustAnchor);
    foreach (X509Certificate2 c in chain)
    {
        options.ClientCertificateChain.Add(c);
    }

    return new EstClient(new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan }, options);
}
