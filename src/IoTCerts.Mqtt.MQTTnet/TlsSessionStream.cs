using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using IoTCerts.Core;
using MQTTnet.Channel;

namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>
/// The authenticated TLS stream handed to MQTTnet. It only adds one explanation: with TLS 1.3 the broker checks the
/// client certificate after the client's handshake has completed, so a refusal arrives as an alert or a close on the
/// first read (the CONNACK that never comes). That first failure becomes an <see cref="MqttNetTlsException"/>.
/// </summary>
internal sealed class TlsSessionStream : Stream, IMqttClientStreamEndPoints
{
    private readonly SslStream _inner;
    private readonly CertificateCredential _credential;
    private readonly string _endpoint;
    private bool _received;

    public TlsSessionStream(SslStream inner, EndPoint? local, EndPoint? remote, CertificateCredential credential, string endpoint)
    {
        _inner = inner;
        _credential = credential;
        _endpoint = endpoint;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
    }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Received(_inner.Read(buffer), null);
        }
        catch (IOException e) when (!_received)
        {
            throw Explain(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_received)
        {
            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return Received(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), null);
        }
        catch (IOException e)
        {
            throw Explain(e);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            _inner.Write(buffer);
        }
        catch (IOException e) when (!_received)
        {
            throw Explain(e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (!_received)
        {
            // The CONNECT itself fails when a TLS 1.3 broker has already refused the certificate and reset the connection.
            throw Explain(e);
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    private int Received(int count, Exception? error)
    {
        if (count > 0)
        {
            _received = true;
            return count;
        }

        throw Explain(error);
    }

    private MqttNetTlsException Explain(Exception? error)
    {
        if (error is not null && TlsAlertText.Find(error) is { } alert)
        {
            return new MqttNetTlsException(
                alert.AboutCertificate ? MqttNetTlsErrorCode.ClientCertificateRejected : MqttNetTlsErrorCode.TlsHandshakeFailed,
                $"the broker at {_endpoint} closed the connection right after the TLS handshake with the alert '{alert.Name}'{(alert.AboutCertificate ? MqttNetTlsStreamProvider.ChainHint(_credential) : string.Empty)}",
                error);
        }

        string detail = error is null ? "the connection was closed" : MqttNetTlsStreamProvider.Innermost(error).Message;
        if (_inner.SslProtocol == SslProtocols.Tls13)
        {
            return new MqttNetTlsException(
                MqttNetTlsErrorCode.ClientCertificateProbablyRejected,
                $"the broker at {_endpoint} probably refused the client certificate ({detail} right after the TLS 1.3 handshake, before any answer){MqttNetTlsStreamProvider.ChainHint(_credential)}",
                error);
        }

        return new MqttNetTlsException(MqttNetTlsErrorCode.TlsHandshakeFailed, $"the broker at {_endpoint} closed the connection before answering ({detail})", error);
    }
}
