using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

public sealed class TrustedCertificateContractTests
{
    private static string BasicFor(string user) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{CumulocityStub.Password}"));

    [Fact]
    public async Task Tenant_is_read_from_currentTenant_once_when_not_configured()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub);
        await foreach (var _ in client.GetTrustedCertificatesAsync())
        {
        }

        await foreach (var _ in client.GetTrustedCertificatesAsync())
        {
        }

        var requests = stub.Requests;
        Assert.Equal(["GET /tenant/currentTenant", "GET /tenant/tenants/t100/trusted-certificates", "GET /tenant/tenants/t100/trusted-certificates"], requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal(BasicFor("admin"), requests[0].Header("Authorization"));
        Assert.Equal("t100", await client.GetTenantIdAsync());
    }

    [Fact]
    public async Task Basic_user_is_qualified_with_the_configured_tenant_and_bearer_replaces_basic()
    {
        await using var stub = await CumulocityStub.StartAsync();
        await Clients.Create(stub, o => o.Tenant = "t100").GetCrlAsync();
        await Clients.Create(stub, o => { o.UserName = null; o.Password = null; o.BearerToken = CumulocityStub.BearerToken; o.Tenant = "t100"; }).GetCrlAsync();
        var requests = stub.Requests;
        Assert.Equal(BasicFor("t100/admin"), requests[0].Header("Authorization"));
        Assert.Equal("Bearer " + CumulocityStub.BearerToken, requests[1].Header("Authorization"));
        Assert.Equal("application/pkix-crl", requests[0].Header("Accept"));
    }

    [Fact]
    public async Task Create_sends_the_documented_json_and_returns_the_platform_record()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var ca = TestPki.Ca("CN=Fleet Root");
        var result = await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca, "fleet", autoRegistrationEnabled: true));

        Assert.Equal(UploadOutcome.Created, result.Outcome);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(ca.RawData)), result.Fingerprint);
        Assert.Equal("fleet", result.Certificate!.Name);
        Assert.Equal(TrustedCertificateStatus.Enabled, result.Certificate.Status);
        Assert.True(result.Certificate.AutoRegistrationEnabled);
        Assert.Equal(3, result.Certificate.Version);
        Assert.Equal(ca.NotAfter.ToUniversalTime(), result.Certificate.NotAfter!.Value.UtcDateTime, TimeSpan.FromSeconds(1));

        var request = Assert.Single(stub.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/tenant/tenants/t100/trusted-certificates", request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var json = request.Json!.AsObject();
        Assert.Equal(["name", "certInPemFormat", "status", "autoRegistrationEnabled"], json.Select(p => p.Key));
        Assert.Equal("ENABLED", (string)json["status"]!);
        Assert.True((bool)json["autoRegistrationEnabled"]!);
        Assert.Equal(ca.ExportCertificatePem(), (string)json["certInPemFormat"]!);
    }

    [Fact]
    public async Task Create_with_addToTrustStore_sends_the_query_parameter()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var ca = TestPki.Ca("CN=Trust Store Root");
        await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca), addToTrustStore: true);
        Assert.Equal("?addToTrustStore=true", Assert.Single(stub.Requests).Query);
    }

    [Fact]
    public async Task Conflict_409_is_the_already_exists_outcome_also_for_another_tenants_certificate()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var ca = TestPki.Ca("CN=Twice");
        using var elsewhere = TestPki.Ca("CN=Other tenant");
        stub.OtherTenantFingerprints[TrustedCertificate.FingerprintOf(elsewhere)] = true;
        var client = Clients.Create(stub, o => o.Tenant = "t100");

        var first = await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));
        var second = await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));
        var foreign = await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(elsewhere));

        Assert.Equal(UploadOutcome.Created, first.Outcome);
        Assert.Equal(UploadOutcome.AlreadyExists, second.Outcome);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Null(second.Certificate);
        Assert.Equal(UploadOutcome.AlreadyExists, foreign.Outcome);
        Assert.Equal(TrustedCertificate.FingerprintOf(elsewhere), foreign.Fingerprint);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task A_422_carries_status_error_message_info_and_body_and_is_never_retried()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var leaf = TestPki.Ca("CN=Not a CA", isCa: false);
        var client = Clients.Create(stub, o => o.Tenant = "t100");

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(leaf)));

        Assert.Equal(CumulocityErrorCode.InvalidRequest, ex.Code);
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, ex.Status);
        Assert.Equal("validation/Invalid Data", ex.Error);
        Assert.Contains("not a CA certificate", ex.ServerMessage);
        Assert.Equal("https://cumulocity.com/guides/reference/rest-implementation", ex.Info);
        Assert.Contains("\"error\":\"validation/Invalid Data\"", ex.RawBody);
        Assert.Equal("POST /tenant/tenants/t100/trusted-certificates", ex.Request);
        Assert.Contains("422", ex.Message);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Listing_follows_next_through_every_page_and_stops_at_the_last()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.PageSize = 3; });
        var uploaded = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            using var ca = TestPki.Ca($"CN=Root {i}", ECDsa.Create(ECCurve.NamedCurves.nistP256));
            uploaded.Add((await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca, $"root-{i}"))).Fingerprint!);
        }

        stub.ClearRequests();
        var listed = new List<TrustedCertificate>();
        await foreach (var certificate in client.GetTrustedCertificatesAsync())
        {
            listed.Add(certificate);
        }

        Assert.Equal(uploaded, listed.Select(c => c.Fingerprint));
        Assert.Equal(
            ["?pageSize=3&currentPage=1&withTotalPages=true", "?pageSize=3&currentPage=2", "?pageSize=3&currentPage=3"],
            stub.Requests.Select(r => r.Query));
    }

    [Fact]
    public async Task Listing_stops_on_an_empty_page_when_totalPages_is_absent()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.PageSize = 2; });
        for (var i = 0; i < 2; i++)
        {
            using var ca = TestPki.Ca($"CN=Root {i}", ECDsa.Create(ECCurve.NamedCurves.nistP256));
            await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));
        }

        // A proxy strips statistics.totalPages: the next link of the full first page leads to an empty page.
        stub.ClearRequests();
        stub.Inject(new Fault("/trusted-certificates", 200, "application/json",
            $"{{\"certificates\":[],\"next\":\"{stub.BaseUri}tenant/tenants/t100/trusted-certificates?pageSize=2&currentPage=2\",\"statistics\":{{\"currentPage\":1}}}}"));
        var count = 0;
        await foreach (var _ in client.GetTrustedCertificatesAsync())
        {
            count++;
        }

        Assert.Equal(0, count);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_next_link_naming_another_host_is_followed_on_the_configured_host_only()
    {
        await using var stub = await CumulocityStub.StartAsync();
        stub.LinkBase = "https://internal-node.example:9999";
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.PageSize = 1; o.MaxRetries = 0; });
        for (var i = 0; i < 2; i++)
        {
            using var ca = TestPki.Ca($"CN=Root {i}", ECDsa.Create(ECCurve.NamedCurves.nistP256));
            await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));
        }

        var count = 0;
        await foreach (var _ in client.GetTrustedCertificatesAsync())
        {
            count++;
        }

        Assert.Equal(2, count);
        Assert.All(stub.Requests, r => Assert.Equal(BasicFor("t100/admin"), r.Header("Authorization")));
    }

    [Fact]
    public async Task Listing_only_the_tenant_ca_sends_certificateAuthority_true()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        using var ca = TestPki.Ca("CN=Own root");
        await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));
        await client.CreateCertificateAuthorityAsync();
        stub.ClearRequests();
        var listed = new List<TrustedCertificate>();
        await foreach (var certificate in client.GetTrustedCertificatesAsync(certificateAuthorityOnly: true))
        {
            listed.Add(certificate);
        }

        Assert.True(Assert.Single(listed).TenantCertificateAuthority);
        Assert.Contains("&certificateAuthority=true", stub.Requests[0].Query);
    }

    [Fact]
    public async Task Get_update_and_delete_use_the_fingerprint_path_and_send_only_the_given_fields()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        using var ca = TestPki.Ca("CN=Lifecycle");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca, "before"))).Fingerprint!;
        stub.ClearRequests();

        // Colons and upper case, as openssl prints fingerprints, are normalised.
        var colons = string.Join(':', Enumerable.Range(0, 20).Select(i => fingerprint.Substring(i * 2, 2).ToUpperInvariant()));
        Assert.Equal("before", (await client.GetTrustedCertificateAsync(colons)).Name);
        var updated = await client.UpdateTrustedCertificateAsync(fingerprint, new TrustedCertificateUpdate { Status = TrustedCertificateStatus.Disabled, AutoRegistrationEnabled = true });
        Assert.Equal(TrustedCertificateStatus.Disabled, updated.Status);
        Assert.Equal("before", updated.Name);
        await client.DeleteTrustedCertificateAsync(fingerprint);
        var missing = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(fingerprint));

        Assert.Equal(CumulocityErrorCode.NotFound, missing.Code);
        var requests = stub.Requests;
        var path = "/tenant/tenants/t100/trusted-certificates/" + fingerprint;
        Assert.Equal([$"GET {path}", $"PUT {path}", $"DELETE {path}", $"GET {path}"], requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal("{\"status\":\"DISABLED\",\"autoRegistrationEnabled\":true}", requests[1].BodyText);
        Assert.Equal("application/json", requests[1].Header("Accept"));
        Assert.Throws<ArgumentException>(() => TrustedCertificate.NormalizeFingerprint("abc"));
    }

    [Fact]
    public async Task Bulk_create_sends_a_certificates_array()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var a = TestPki.Ca("CN=Bulk A");
        using var b = TestPki.Ca("CN=Bulk B", ECDsa.Create(ECCurve.NamedCurves.nistP384));
        var created = await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificatesAsync([NewTrustedCertificate.From(a, "a"), NewTrustedCertificate.From(b, "b")]);

        Assert.Equal(["a", "b"], created.Select(c => c.Name));
        var request = Assert.Single(stub.Requests);
        Assert.Equal("/tenant/tenants/t100/trusted-certificates/bulk", request.Path);
        Assert.Equal(2, request.Json!["certificates"]!.AsArray().Count);
        Assert.Equal("b", (string)request.Json!["certificates"]![1]!["name"]!);
    }

    [Fact]
    public async Task Verify_cert_chain_sends_multipart_tenantId_and_file()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        using var root = TestPki.Ca("CN=Chain Root");
        using var device = TestPki.Device("device-9", root);
        await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(root));
        stub.ClearRequests();

        var result = await client.VerifyCertificateChainAsync([device]);

        Assert.True(result.SuccessfullyValidated);
        Assert.Equal("t100", result.TenantId);
        Assert.Equal("CN=device-9", result.Subject);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("/tenant/trusted-certificates/verify-cert-chain", request.Path);
        Assert.StartsWith("multipart/form-data", request.Header("Content-Type"));
        Assert.Contains("name=tenantId", request.BodyText);
        Assert.Contains("name=file", request.BodyText);
        Assert.Contains(device.ExportCertificatePem(), request.BodyText.Replace("\r\n", "\n"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.VerifyCertificateChainAsync(Enumerable.Repeat(device, 11).ToList()));

        // The header form: no body, tenant and chain in headers, at most 5 certificates.
        stub.ClearRequests();
        using var stranger = TestPki.Device("stranger", TestPki.Ca("CN=Unknown Root"));
        var viaHeaders = await client.VerifyCertificateChainAsync([stranger], "t100", ChainSubmission.Headers);
        Assert.False(viaHeaders.SuccessfullyValidated);
        var headerRequest = Assert.Single(stub.Requests);
        Assert.Equal("t100", headerRequest.Header("X-Cumulocity-TenantId"));
        Assert.StartsWith("-----BEGIN CERTIFICATE----- MII", headerRequest.Header("X-Cumulocity-Client-Cert-Chain"));
        Assert.Empty(headerRequest.Body);
        await Assert.ThrowsAsync<ArgumentException>(() => client.VerifyCertificateChainAsync(Enumerable.Repeat(device, 6).ToList(), submission: ChainSubmission.Headers));
    }

    [Fact]
    public async Task Crl_is_read_as_der_and_revocations_are_put_as_json()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        await client.AddRevocationsAsync([new CrlRevocation { SerialNumberInHex = "0A1B", RevocationDate = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) }, new CrlRevocation { SerialNumberInHex = "FF" }]);
        var crl = await client.GetCrlAsync();

        var put = stub.Requests[0];
        Assert.Equal("PUT /tenant/trusted-certificates/settings/crl", $"{put.Method} {put.Path}");
        Assert.Equal("{\"crls\":[{\"serialNumberInHex\":\"0A1B\",\"revocationDate\":\"2026-01-02T03:04:05+00:00\"},{\"serialNumberInHex\":\"FF\"}]}", put.BodyText);
        var builder = CertificateRevocationListBuilder.Load(crl, out var number);
        Assert.Equal(1, (int)number);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("crl.der"), crl);
        var text = OpenSsl.Run(dir.Path, "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text");
        Assert.Contains("Serial Number: 0A1B", text);
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddRevocationsAsync([new CrlRevocation { SerialNumberInHex = "xyz" }]));

        // A PEM answer is converted to the same DER.
        stub.Inject(new Fault("/settings/crl", 200, "application/x-pem-file", PemEncoding.WriteString("X509 CRL", crl)));
        Assert.Equal(crl, await client.GetCrlAsync());
    }

    [Fact]
    public async Task An_unknown_status_value_reads_as_null_instead_of_failing()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        stub.Inject(new Fault("/trusted-certificates/", 200, "application/json", "{\"fingerprint\":\"" + new string('a', 40) + "\",\"status\":\"QUARANTINED\",\"version\":\"3\"}"));
        var certificate = await client.GetTrustedCertificateAsync(new string('a', 40));
        Assert.Null(certificate.Status);
        Assert.Equal(3, certificate.Version);
    }

    [Fact]
    public async Task One_client_serves_concurrent_callers()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.PageSize = 2);
        var authorities = Enumerable.Range(0, 8).Select(i => TestPki.Ca($"CN=Concurrent {i}", ECDsa.Create(ECCurve.NamedCurves.nistP256))).ToList();

        var uploads = await Task.WhenAll(authorities.Select(ca => Task.Run(() => client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca)))));
        var listings = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var seen = new List<string>();
            await foreach (var certificate in client.GetTrustedCertificatesAsync())
            {
                seen.Add(certificate.Fingerprint!);
            }

            return seen;
        })));

        Assert.All(uploads, u => Assert.Equal(UploadOutcome.Created, u.Outcome));
        Assert.All(listings, l => Assert.Equal(uploads.Select(u => u.Fingerprint).Order(), l.Order()));
        foreach (var ca in authorities)
        {
            ca.Dispose();
        }
    }

    [Fact]
    public async Task Pem_without_line_breaks_is_sent_as_given_and_a_409_still_names_the_fingerprint()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        using var ca = TestPki.Ca("CN=One line");
        var oneLine = ca.ExportCertificatePem().Replace("\n", string.Empty);
        var certificate = new NewTrustedCertificate { Name = "one-line", CertificatePem = oneLine };

        var first = await client.CreateTrustedCertificateAsync(certificate);
        var second = await client.CreateTrustedCertificateAsync(certificate);

        Assert.Equal(UploadOutcome.Created, first.Outcome);
        Assert.Equal(UploadOutcome.AlreadyExists, second.Outcome);
        Assert.Equal(TrustedCertificate.FingerprintOf(ca), second.Fingerprint);
        Assert.Equal(oneLine, (string)stub.Requests[0].Json!["certInPemFormat"]!);
        Assert.False((bool)stub.Requests[0].Json!["autoRegistrationEnabled"]!);
    }
}
