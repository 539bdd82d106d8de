using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>Each CRL download is a span and a counted result on <see cref="OnlineRevocationDiagnostics"/>; cache answers are neither.</summary>
public sealed class CrlFetchTelemetryTests : IDisposable
{
    private readonly CrlHttpServer _server = new();
    private readonly CrlTestPki _pki = new();
    private readonly HttpClient _http = new(CrlFetcher.CreateHandler());

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task Downloads_are_spans_with_their_result_and_are_counted()
    {
        string good = _server.Url($"/telemetry-{Guid.NewGuid():N}.crl");
        string missing = _server.Url($"/telemetry-{Guid.NewGuid():N}.crl");
        _server.Serve(new Uri(good).AbsolutePath, _pki.Crl());
        _server.ServeStatus(new Uri(missing).AbsolutePath, 404, "Not Found");
        var spans = new ConcurrentBag<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OnlineRevocationDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("url.full") is string url && (url == good || url == missing))
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);
        var counted = new ConcurrentBag<string>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OnlineRevocationDiagnostics.MeterName && instrument.Name == "iotcerts.crl.fetches")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "iotcerts.result")
                {
                    counted.Add((string)tag.Value!);
                }
            }
        });
        meters.Start();
        var fetcher = new CrlFetcher(_http);

        await fetcher.FetchAsync(good);
        await fetcher.FetchAsync(good); // cached: no second download
        await fetcher.FetchAsync(missing);

        Activity fetched = Assert.Single(spans, a => (string)a.GetTagItem("url.full")! == good);
        Activity failed = Assert.Single(spans, a => (string)a.GetTagItem("url.full")! == missing);
        Assert.Equal("iotcerts.crl.fetch", fetched.OperationName);
        Assert.Equal(ActivityKind.Client, fetched.Kind);
        Assert.Equal("fetched", fetched.GetTagItem("iotcerts.result"));
        Assert.Equal(ActivityStatusCode.Unset, fetched.Status);
        Assert.Equal("httperror", failed.GetTagItem("iotcerts.result"));
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Contains("fetched", counted);
        Assert.Contains("httperror", counted);
        Assert.Equal(1, _server.Requests(new Uri(good).AbsolutePath));
    }
}
