using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

public sealed class BulkRegistrationTests
{
    [Fact]
    public void Certificate_devices_have_auth_type_certificates_and_an_empty_credentials_cell()
    {
        var csv = new BulkRegistrationCsv()
            .Add(new DeviceRegistration { Id = "dev-1" })
            .Add(new DeviceRegistration { Id = "dev-2", EnrollmentOneTimePassword = "abcd1234EFGH" })
            .Build();

        Assert.Equal("ID;CREDENTIALS;AUTH_TYPE;ENROLLMENT_OTP\r\ndev-1;;CERTIFICATES;\r\ndev-2;;CERTIFICATES;abcd1234EFGH\r\n", csv);
    }

    [Fact]
    public void Columns_follow_the_documented_order_with_custom_properties_then_external_ids_last()
    {
        var csv = new BulkRegistrationCsv(',')
            .Add(new DeviceRegistration
            {
                Id = "d1",
                Type = "c8y_Sensor",
                Name = "Sensor 1",
                Iccid = "8949",
                IdType = "c8y_Serial",
                Path = "Region/Site",
                Shell = true,
                Tenant = "t100",
                Properties = new Dictionary<string, string> { ["c8y_Hardware.model"] = "X1" },
                ExternalIds = new Dictionary<string, string> { ["c8y_IMEI"] = "3567" },
            })
            .Build();

        var header = csv.Split("\r\n")[0];
        Assert.Equal("ID,CREDENTIALS,AUTH_TYPE,TENANT,TYPE,NAME,ICCID,IDTYPE,PATH,SHELL,c8y_Hardware.model,external-c8y_IMEI", header);
        Assert.Equal("d1,,CERTIFICATES,t100,c8y_Sensor,Sensor 1,8949,c8y_Serial,Region/Site,1,X1,3567", csv.Split("\r\n")[1]);
    }

    [Theory]
    [InlineData(';', "a;b", "\"a;b\"")]
    [InlineData(',', "a,b", "\"a,b\"")]
    [InlineData('\t', "a\tb", "\"a\tb\"")]
    [InlineData(';', "say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData(';', " padded ", "\" padded \"")]
    [InlineData(';', "plain, with comma", "plain, with comma")]
    public void Cells_are_quoted_when_they_hold_the_separator_a_quote_or_edge_spaces(char separator, string name, string expected)
    {
        var csv = new BulkRegistrationCsv(separator).Add(new DeviceRegistration { Id = "d", Name = name, Type = "t" }).Build();
        Assert.EndsWith(separator + expected + "\r\n", csv);
    }

    [Fact]
    public void Type_and_name_are_required_once_iccid_idtype_path_or_shell_appear()
    {
        var csv = new BulkRegistrationCsv()
            .Add(new DeviceRegistration { Id = "a", Type = "t", Name = "n", Path = "G" })
            .Add(new DeviceRegistration { Id = "b" });
        var ex = Assert.Throws<InvalidOperationException>(() => csv.Build());
        Assert.Contains("'b'", ex.Message);
        Assert.Contains("TYPE and NAME", ex.Message);

        // Without those columns TYPE and NAME stay optional.
        Assert.NotNull(new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "b" }).Build());
    }

    [Fact]
    public void Rows_breaking_a_documented_rule_are_refused_when_added()
    {
        var csv = new BulkRegistrationCsv();
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = " " }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "x", Credentials = "pw" }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "d:type:id" }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "x", AuthenticationType = DeviceAuthenticationType.Basic }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "x", EnrollmentOneTimePassword = "short" }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "x", EnrollmentOneTimePassword = new string('a', 33) }));
        Assert.Throws<ArgumentException>(() => csv.Add(new DeviceRegistration { Id = "x", Properties = new Dictionary<string, string> { ["a;b"] = "v" } }));
        Assert.Throws<ArgumentException>(() => new BulkRegistrationCsv('|'));
        Assert.Throws<InvalidOperationException>(() => csv.Build());
        Assert.Equal("ID;CREDENTIALS;AUTH_TYPE\r\nb;pw;BASIC\r\n", new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "b", AuthenticationType = DeviceAuthenticationType.Basic, Credentials = "pw" }).Build());
    }

    [Property]
    public Property Any_cell_text_survives_quoting_and_reads_back_the_same()
    {
        var separators = new[] { ';', ',', '\t' };
        return Prop.ForAll(
            Arb.From(Gen.Elements(separators)),
            Arb.From(Gen.Elements("ab;,\t\" x=é'".ToCharArray()).ArrayOf().Select(c => new string(c))),
            (separator, name) =>
            {
                var csv = new BulkRegistrationCsv(separator).Add(new DeviceRegistration { Id = "dev", Name = name, Type = "t" }).Build();
                var lines = csv.Split("\r\n");
                var header = CumulocityStub.ParseCsvLine(lines[0], separator);
                var row = CumulocityStub.ParseCsvLine(lines[1], separator);
                var column = header.IndexOf("NAME");
                return header.Count == row.Count && (column < 0 ? name.Length == 0 : row[column] == name);
            });
    }

    [Fact]
    public async Task Upload_is_multipart_part_file_text_csv_with_the_bulk_accept_type_and_reports_each_failed_line()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub);
        var first = new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "exists" });
        await client.RegisterDevicesAsync(first);
        stub.ClearRequests();

        var csv = new BulkRegistrationCsv()
            .Add(new DeviceRegistration { Id = "new-1", EnrollmentOneTimePassword = OneTimePassword.Generate() })
            .Add(new DeviceRegistration { Id = "exists" })
            .Add(new DeviceRegistration { Id = "new-2" });
        var result = await client.RegisterDevicesAsync(csv);

        Assert.Equal(3, result.NumberOfAll);
        Assert.Equal(2, result.NumberOfCreated);
        Assert.Equal(1, result.NumberOfFailed);
        Assert.Equal(2, result.NumberOfSuccessful);
        var failure = Assert.Single(result.FailedCreation);
        Assert.Equal("exists", failure.DeviceId);
        Assert.Equal("FAILED", failure.Status);
        Assert.Contains("already exists", failure.FailureReason);
        Assert.Equal("exists;;CERTIFICATES;", failure.Line);
        Assert.Equal("CERTIFICATES", stub.Devices["new-1"].AuthType);

        var request = Assert.Single(stub.Requests);
        Assert.Equal("POST /devicecontrol/bulkNewDeviceRequests", $"{request.Method} {request.Path}");
        Assert.Equal("application/vnd.com.nsn.cumulocity.bulknewdevicerequest+json", request.Header("Accept"));
        Assert.StartsWith("multipart/form-data; boundary=", request.Header("Content-Type"));
        var body = request.BodyText;
        Assert.Contains("Content-Type: text/csv", body);
        Assert.Contains("Content-Disposition: form-data; name=file; filename=devices.csv", body);
        Assert.Contains(csv.Build(), body);
    }

    [Fact]
    public void One_time_passwords_are_random_within_the_platform_limits()
    {
        var passwords = Enumerable.Range(0, 200).Select(_ => OneTimePassword.Generate()).ToList();
        Assert.Equal(200, passwords.Distinct().Count());
        Assert.All(passwords, p => Assert.True(OneTimePassword.IsAcceptable(p) && p.Length == 16));
        Assert.Equal(8, OneTimePassword.Generate(8).Length);
        Assert.Equal(32, OneTimePassword.Generate(32).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneTimePassword.Generate(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneTimePassword.Generate(33));

        // Every character of the alphabet shows up: the generator is not stuck on a subset.
        var used = string.Concat(Enumerable.Range(0, 200).Select(_ => OneTimePassword.Generate(32))).Distinct().Count();
        Assert.Equal(57, used);
    }
}
