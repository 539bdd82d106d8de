using System.Collections.Concurrent;
using System.Diagnostics;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

/// <summary>Each REST call is one span on <see cref="PlatformDiagnostics"/> with its method, path and final status.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_refused_call_is_one_client_span_with_its_status_and_no_credentials()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.UserName = CumulocityStub.ReaderUser; });
        using var ca = TestPki.Ca("CN=Telemetry Refused");
        var spans = new ConcurrentQueue<Activity>();
        using var testSource = new ActivitySource("IoTCerts.Platform.Tests.Telemetry");
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlatformDiagnostics.ActivitySourceName || source.Name == testSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                // Other tests call the stub in parallel: keep the spans under this test's parent only.
                if (a.Parent?.OperationName == "platform-telemetry-test")
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using (testSource.StartActivity("platform-telemetry-test"))
        {
            await Assert.ThrowsAsync<CumulocityException>(() => client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca)));
        }

        Activity span = Assert.Single(spans);
        Assert.Equal("iotcerts.c8y.request", span.OperationName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.EndsWith("/trusted-certificates", (string)span.GetTagItem("url.path")!, StringComparison.Ordinal);
        Assert.Equal(403, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.All(span.Tags, tag => Assert.DoesNotContain(CumulocityStub.Password, tag.Value ?? string.Empty, StringComparison.Ordinal));
    }
}
