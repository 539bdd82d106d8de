using System.CommandLine;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Mqtt;

namespace IoTCerts.Cli.Commands.Mqtt;

/// <summary>
/// The options every <c>iotcerts mqtt</c> subcommand shares (broker, TLS, client identity), declared once and turned
/// into <see cref="MqttDeviceClientOptions"/>. A command-line client makes one connection: automatic reconnect is off.
/// </summary>
internal sealed class MqttConnectionOptions
{
    private readonly Option<string> _host = new("--host") { Description = "The broker's host name or IP address.", Required = true };
    private readonly Option<int> _port = new("--port") { Description = "The broker's TLS port.", DefaultValueFactory = _ => 8883 };
    private readonly Option<string> _cert = new("--cert") { Description = "The device certificate, optionally followed by its intermediates (PEM, DER, PKCS#7 or PKCS#12 with the key).", Required = true };
    private readonly Option<string?> _key = new("--key") { Description = "The device's private key (PKCS#8, PKCS#1, SEC1, legacy OpenSSL PEM, DER). Not needed when --cert holds it (PKCS#12, or PEM with a key)." };
    private readonly Option<string?> _keyUri = new("--key-uri") { Description = "The device's private key in a PKCS#11 token, as an RFC 7512 URI (pkcs11:token=…;object=…;type=private), used through OpenSSL's pkcs11 engine (R-44). Instead of --key." };
    private readonly Option<string?> _pinFile = new("--pin-file") { Description = "A file holding the token's user PIN for --key-uri (one line). Without it IOTCERTS_PKCS11_PIN is read, unless the URI has pin-value." };
    private readonly Option<string[]> _chain = new("--chain") { Description = "More intermediate CA certificates to send with the device certificate (repeatable)." };
    private readonly Option<string?> _trust = new("--trust") { Description = "The CA certificates the broker's certificate must chain to (any format), validated by IoTCerts' chain validator. Without it the system trust store is used." };
    private readonly Option<string[]> _crl = new("--crl") { Description = "CRL files (PEM or DER, repeatable): check the broker's chain for revocation against them (offline; needs --trust). An unknown status refuses the broker. Without --crl revocation is not checked." };
    private readonly Option<string?> _password = CommonOptions.Password("The passphrase of an encrypted key or PKCS#12 file.");
    private readonly Option<string?> _passwordFile = CommonOptions.PasswordFile();
    private readonly Option<string> _clientId = new("--client-id") { Description = "The MQTT client id, or 'auto' to derive it from the certificate per --profile.", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _profile;
    private readonly Option<string?> _org = new("--org") { Description = "The IBM Watson IoT organization id (--profile ibm-watson-iot with --client-id auto)." };
    private readonly Option<string> _tlsVersion = new("--tls-version") { Description = "The TLS version to offer: 1.2, 1.3 or auto (both).", DefaultValueFactory = _ => "auto" };
    private readonly Option<string?> _sni = new("--sni") { Description = "The name sent as SNI and expected in the broker's certificate, when it differs from --host." };
    private readonly Option<string?> _userName = new("--username") { Description = "A user name sent in CONNECT besides the certificate (Cumulocity tenant/user, IBM Watson IoT use-token-auth)." };
    private readonly Option<string?> _mqttPasswordFile = new("--mqtt-password-file") { Description = "A file holding the password sent in CONNECT (one line), for example an IBM Watson IoT device token; needs --username. Without it IOTCERTS_MQTT_PASSWORD is read when --username is given." };
    private readonly Option<string?> _willTopic = new("--will-topic") { Description = "The topic of a Will message the broker publishes if this connection ends without DISCONNECT (killed, network lost)." };
    private readonly Option<string?> _willMessage = new("--will-message") { Description = "The Will message (UTF-8); needs --will-topic. Default empty." };
    private readonly Option<string> _willQos = new("--will-qos") { Description = "The Will message's QoS: 0, 1 or 2.", DefaultValueFactory = _ => "0" };
    private readonly Option<bool> _willRetain = new("--will-retain") { Description = "Ask the broker to retain the Will message." };
    private readonly Option<double> _connectTimeout = new("--connect-timeout") { Description = "Seconds allowed for TCP + TLS + CONNACK.", DefaultValueFactory = _ => 30 };

    public MqttConnectionOptions(string defaultProfile)
    {
        _profile = new Option<string>("--profile") { Description = "How --client-id auto is derived: cumulocity (the CN), ibm-watson-iot (d:org:type:id) or generic (the CN).", DefaultValueFactory = _ => defaultProfile };
        _profile.AcceptOnlyFromAmong("cumulocity", "ibm-watson-iot", "generic");
        _tlsVersion.AcceptOnlyFromAmong("1.2", "1.3", "auto");
        _willQos.AcceptOnlyFromAmong("0", "1", "2");
    }

    /// <summary>Environment variable read for the CONNECT password when --username is given without --mqtt-password-file.</summary>
    public const string MqttPasswordVariable = "IOTCERTS_MQTT_PASSWORD";

    public void AddTo(Command command)
    {
        Option[] options = [_host, _port, _cert, _key, _keyUri, _pinFile, _chain, _trust, _crl, _password, _passwordFile, _clientId, _profile, _org, _tlsVersion, _sni, _userName, _mqttPasswordFile, _willTopic, _willMessage, _willQos, _willRetain, _connectTimeout];
        foreach (Option option in options)
        {
            command.Add(option);
        }
    }

    /// <summary>Reads the files and builds the client options.</summary>
    /// <exception cref="CliException">An option value is unusable.</exception>
    /// <exception cref="MaterialException">A certificate or key file cannot be read.</exception>
    public MqttDeviceClientOptions Build(ParseResult parse)
    {
        int port = parse.GetValue(_port);
        if (port is < 1 or > 65535)
        {
            throw new CliException("usage", $"--port {port} is not a TCP port (1-65535)");
        }

        double connectSeconds = parse.GetValue(_connectTimeout);
        if (!(connectSeconds > 0 && connectSeconds <= 3600))
        {
            throw new CliException("usage", "--connect-timeout must be between 0 and 3600 seconds");
        }

        string? password = Secrets.Resolve(parse.GetValue(_password), parse.GetValue(_passwordFile));
        var options = new MqttDeviceClientOptions
        {
            Host = parse.GetValue(_host),
            Port = port,
            TargetHost = parse.GetValue(_sni),
            Credential = parse.GetValue(_keyUri) is { } keyUri
                ? MqttCredentialFiles.LoadWithTokenKey(parse.GetValue(_cert)!, keyUri, parse.GetValue(_key), parse.GetValue(_pinFile), parse.GetValue(_chain) ?? [])
                : MqttCredentialFiles.Load(parse.GetValue(_cert)!, parse.GetValue(_key), parse.GetValue(_chain) ?? [], password, parse.InvocationConfiguration.Error),
            TrustStorePath = parse.GetValue(_trust),
            SslProtocols = parse.GetValue(_tlsVersion) switch
            {
                "1.2" => SslProtocols.Tls12,
                "1.3" => SslProtocols.Tls13,
                _ => SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            ClientIdProfile = parse.GetValue(_profile) switch
            {
                "cumulocity" => MqttClientIdProfile.Cumulocity,
                "ibm-watson-iot" => MqttClientIdProfile.IbmWatsonIot,
                _ => MqttClientIdProfile.CommonName,
            },
            OrganizationId = parse.GetValue(_org),
            ConnectTimeout = TimeSpan.FromSeconds(connectSeconds),
            Reconnect = new MqttReconnectPolicy { Enabled = false },
        };

        string[] crlFiles = parse.GetValue(_crl) ?? [];
        if (crlFiles.Length > 0)
        {
            if (options.TrustStorePath is null)
            {
                throw new CliException("usage", "--crl needs --trust: revocation is checked by IoTCerts' chain validator, not by the system store");
            }

            // R-13: CRLs the device already holds; nothing is fetched during the handshake.
            options.ServerRevocationChecker = new CrlRevocationChecker(RevocationPolicy.Offline, crlFiles.SelectMany(CertificateFiles.ReadCrls));
        }

        string clientId = parse.GetValue(_clientId) ?? "auto";
        if (clientId != "auto")
        {
            options.ClientId = clientId;
        }

        if (options.ClientIdProfile == MqttClientIdProfile.IbmWatsonIot && options.ClientId is null && string.IsNullOrWhiteSpace(options.OrganizationId))
        {
            throw new CliException("usage", "--profile ibm-watson-iot needs --org <organization id> to derive the client id (or give --client-id)");
        }

        options.UserName = parse.GetValue(_userName);
        if (parse.GetValue(_mqttPasswordFile) is { } passwordFile)
        {
            if (options.UserName is null)
            {
                throw new CliException("usage", "--mqtt-password-file needs --username (MQTT 3.1.1 sends no password without a user name)");
            }

            options.Password = File.Exists(passwordFile)
                ? File.ReadAllText(passwordFile).TrimEnd('\r', '\n')
                : throw new CliException("file-not-found", $"the password file '{passwordFile}' does not exist");
        }
        else if (options.UserName is not null)
        {
            options.Password = Environment.GetEnvironmentVariable(MqttPasswordVariable);
        }

        if (parse.GetValue(_willTopic) is { } willTopic)
        {
            if (!MqttTopic.IsValidTopicName(willTopic))
            {
                throw new CliException("usage", $"--will-topic '{willTopic}' is not a topic name: it must not be empty or contain '+' or '#'");
            }

            options.Will = new MqttWillMessage
            {
                Topic = willTopic,
                Payload = System.Text.Encoding.UTF8.GetBytes(parse.GetValue(_willMessage) ?? string.Empty),
                QualityOfService = (MqttQualityOfService)int.Parse(parse.GetValue(_willQos) ?? "0", System.Globalization.CultureInfo.InvariantCulture),
                Retain = parse.GetValue(_willRetain),
            };
        }
        else if (parse.GetValue(_willMessage) is not null || parse.GetValue(_willRetain))
        {
            throw new CliException("usage", "--will-message and --will-retain need --will-topic");
        }

        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? options : throw new CliException("usage", string.Join(" ", errors));
    }
}

/// <summary>Loads the device credential with <see cref="MaterialLoader"/>: any format, key in the same or its own file.</summary>
internal static class MqttCredentialFiles
{
    /// <summary>Environment variable read for the token PIN when no --pin-file is given.</summary>
    public const string PinVariable = "IOTCERTS_PKCS11_PIN";

    /// <summary>The certificate (and chain) from files, the key from a PKCS#11 token (R-44).</summary>
    public static MqttClientCredential LoadWithTokenKey(string certificatePath, string keyUri, string? keyPath, string? pinFile, IEnumerable<string> chainPaths)
    {
        if (keyPath is not null)
        {
            throw new CliException("usage", "give either --key or --key-uri, not both");
        }

        if (!Pkcs11Key.IsPkcs11Uri(keyUri))
        {
            throw new MaterialException(MaterialErrorCode.InvalidPkcs11Uri);
        }

        string? pin = pinFile is null ? Environment.GetEnvironmentVariable(PinVariable) : ReadPinFile(pinFile);
        MqttClientCredential credential;
        try
        {
            credential = MqttClientCredential.FromPkcs11(certificatePath, keyUri, pin);
        }
        catch (MqttCredentialException e) when (e.InnerException is MaterialException material)
        {
            // The Core error names the cause (wrong-pin, token-key-not-found, pkcs11-engine-unavailable, malformed, ...).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(material.WithSource(e.Error == MqttCredentialError.TokenKeyUnavailable ? null : certificatePath));
            throw;
        }
        catch (MqttCredentialException e)
        {
            throw new CliException(e.Error == MqttCredentialError.MissingPrivateKey ? "key-mismatch" : e.CodeString, e.Message);
        }

        var chain = chainPaths.SelectMany(path => CertificateFiles.Read(path).Select(c => c.ToX509Certificate2())).ToList();
        return chain.Count == 0 ? credential : new MqttClientCredential(credential.Certificate, credential.Intermediates.Concat(chain));
    }

    private static string ReadPinFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException("file-not-found", $"the PIN file '{path}' does not exist");
        }

        // One line; a trailing newline is not part of the PIN.
        return File.ReadAllText(path).TrimEnd('\r', '\n');
    }

    public static MqttClientCredential Load(string certificatePath, string? keyPath, IEnumerable<string> chainPaths, string? password, TextWriter? warnings = null)
    {
        var options = new LoadOptions { Password = password };
        LoadedMaterial certificates = MaterialLoader.LoadFile(certificatePath, options);
        if (certificates.Certificates.Count == 0)
        {
            throw new MaterialException(MaterialErrorCode.NothingFound, "the file holds no certificate") { SourceName = certificatePath };
        }

        // R-10: the TLS stack sends the chain in issuer order whatever the file says, so this client works with a file
        // other clients (mosquitto) and the platforms refuse: say so rather than hide it.
        if (warnings is not null && certificates.Format is MaterialFormat.Pem or MaterialFormat.Der
            && certificates.Certificates.Count is > 1 and <= OrderedChain.MaxCertificates
            && ChainOrderFinding.Of(certificates.Certificates, profile: null) is { } order)
        {
            warnings.WriteLine($"iotcerts: warning [{ChainFileOrder.Code}] '{certificatePath}': {order.Message}; this client sends the corrected order");
        }

        LoadedMaterial keys = keyPath is null ? certificates : MaterialLoader.LoadFile(keyPath, options);
        if (keys.PrivateKeys.Count == 0)
        {
            throw keyPath is null
                ? new CliException("missing-key", $"'{certificatePath}' holds no private key: give the key file with --key")
                : new MaterialException(MaterialErrorCode.NothingFound, "the file holds no private key") { SourceName = keyPath };
        }

        PrivateKey key = keys.PrivateKeys[0];
        Certificate leaf = certificates.CertificateFor(key)
            ?? throw new CliException("key-mismatch", $"the private key{(keyPath is null ? string.Empty : $" in '{keyPath}'")} does not belong to any certificate in '{certificatePath}'");

        var intermediates = new List<X509Certificate2>();
        foreach (Certificate certificate in certificates.Certificates)
        {
            if (!ReferenceEquals(certificate, leaf))
            {
                intermediates.Add(certificate.ToX509Certificate2());
            }
        }

        foreach (string path in chainPaths)
        {
            intermediates.AddRange(CertificateFiles.Read(path).Select(c => c.ToX509Certificate2()));
        }

        return new MqttClientCredential(WithKey(leaf, key), intermediates);
    }

    private static X509Certificate2 WithKey(Certificate leaf, PrivateKey key)
    {
        using X509Certificate2 certificate = leaf.ToX509Certificate2();
        using var algorithm = key.CreateAsymmetricAlgorithm();
        X509Certificate2 withKey = algorithm switch
        {
            System.Security.Cryptography.RSA rsa => certificate.CopyWithPrivateKey(rsa),
            System.Security.Cryptography.ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
            _ => throw new CliException("unsupported-key", $"the {key.Algorithm} key cannot be used for TLS"),
        };
        if (!OperatingSystem.IsWindows())
        {
            return withKey;
        }

        // Windows' TLS stack (SChannel) cannot use an ephemeral key: round-trip through PKCS#12 to persist it for the process.
        using (withKey)
        {
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }
}
