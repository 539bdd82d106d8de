using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Authentication;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Integration;

/// <summary>Connection attempts against a real mosquitto are spans with their outcome on <see cref="MqttDiagnostics"/>.</summary>
public sealed class TelemetryTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Accepted_and_refused_connects_are_spans_with_their_outcome()
    {
        int port = fixture.Port(SslProtocols.Tls12);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MqttDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                // Other test classes connect in parallel: keep this test's devices only (the span carries no id, so tag it).
                if (a.Parent?.OperationName == "telemetry-test")
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var testSource = new ActivitySource("IoTCerts.Mqtt.Tests.Telemetry");
        using var outerListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == testSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(outerListener);

        using (testSource.StartActivity("telemetry-test"))
        {
            await using var good = new MqttDeviceClient(fixture.Options(fixture.Pki.Device("telemetry-ok"), SslProtocols.Tls12));
            Assert.True((await good.ConnectAsync()).IsAccepted);
            await good.DisconnectAsync();

            var refusedOptions = fixture.Options(fixture.Pki.UntrustedDevice("telemetry-untrusted"), SslProtocols.Tls12);
            refusedOptions.Reconnect = new MqttReconnectPolicy { Enabled = false };
            await using var refused = new MqttDeviceClient(refusedOptions);
            await Assert.ThrowsAnyAsync<MqttException>(() => refused.ConnectAsync());
        }

        Activity[] recorded = [.. spans];
        Assert.Equal(2, recorded.Length);
        Assert.All(recorded, a => Assert.Equal("iotcerts.mqtt.connect", a.OperationName));
        Assert.All(recorded, a => Assert.Equal(port, a.GetTagItem("server.port")));
        Assert.Equal("accepted", recorded[0].GetTagItem("iotcerts.result"));
        Assert.Equal(false, recorded[0].GetTagItem("iotcerts.mqtt.reconnect"));
        Assert.Equal(ActivityStatusCode.Unset, recorded[0].Status);
        Assert.Equal("failed", recorded[1].GetTagItem("iotcerts.result"));
        Assert.Equal(ActivityStatusCode.Error, recorded[1].Status);
    }
}
