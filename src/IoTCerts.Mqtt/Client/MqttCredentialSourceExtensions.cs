using IoTCerts.Core;

namespace IoTCerts.Mqtt;

/// <summary>
/// Hot-swaps an <see cref="MqttDeviceClient"/>'s certificate whenever an <see cref="ICertificateCredentialSource"/>
/// (for example the EST renewal engine's) announces a new one: the client closes its connection and connects again
/// with the new pair (<see cref="MqttDeviceClient.UpdateCredentialAsync"/>), keeping subscriptions and unacknowledged messages.
/// </summary>
public static class MqttCredentialSourceExtensions
{
    /// <summary>
    /// Follows <paramref name="source"/>: each <see cref="ICertificateCredentialSource.Changed"/> swaps the client's
    /// credential. Swaps run in order, off the source's thread, so an older certificate never replaces a newer one.
    /// </summary>
    /// <param name="client">The client to reconnect.</param>
    /// <param name="source">Where new credentials come from.</param>
    /// <param name="onError">
    /// Called when a swap fails: the reconnect failed (<see cref="MqttConnectException"/>; automatic reconnect keeps
    /// trying with the new credential), or the broker refused the new certificate in CONNACK
    /// (<see cref="MqttConnectException"/> with <see cref="MqttConnectError.ClientCertificateRejected"/>). Failures are
    /// otherwise ignored; an exception thrown by the callback is ignored too.
    /// </param>
    /// <returns>Dispose it to stop following.</returns>
    public static IDisposable FollowCredentialSource(this MqttDeviceClient client, ICertificateCredentialSource source, Func<Exception, Task>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(source);
        return new Subscription(client, source, onError);
    }

    private sealed class Subscription : IDisposable
    {
        private readonly MqttDeviceClient _client;
        private readonly ICertificateCredentialSource _source;
        private readonly Func<Exception, Task>? _onError;
        private readonly Lock _sync = new();
        private Task _tail = Task.CompletedTask;

        public Subscription(MqttDeviceClient client, ICertificateCredentialSource source, Func<Exception, Task>? onError)
        {
            _client = client;
            _source = source;
            _onError = onError;
            _source.Changed += OnChanged;
        }

        public void Dispose() => _source.Changed -= OnChanged;

        private void OnChanged(object? sender, CertificateCredentialChangedEventArgs e)
        {
            // The pair is taken now, while the source announces it, not read again later when it may have moved on.
            MqttClientCredential? renewed = null;
            Exception? conversionError = null;
            try
            {
                renewed = new MqttClientCredential(e.Credential.Certificate, e.Credential.Chain);
            }
            catch (MqttCredentialException ex)
            {
                conversionError = ex;
            }

            lock (_sync)
            {
                _tail = SwapAfterAsync(_tail, renewed, conversionError, e.Credential.Certificate.Subject);
            }
        }

        private async Task SwapAfterAsync(Task previous, MqttClientCredential? renewed, Exception? conversionError, string subject)
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.Yield();
            Exception? failure = conversionError;
            if (renewed is not null)
            {
                try
                {
                    MqttConnectResult? result = await _client.UpdateCredentialAsync(renewed).ConfigureAwait(false);
                    if (result is { IsAccepted: false })
                    {
                        failure = new MqttConnectException(
                            MqttConnectError.ClientCertificateRejected,
                            $"after the credential changed to '{subject}' the broker refused the connection: {result.Reason}");
                    }
                }
                catch (Exception ex) when (ex is MqttException or ObjectDisposedException)
                {
                    failure = ex;
                }
            }

            if (failure is not null && _onError is not null)
            {
                try
                {
                    await _onError(failure).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The error callback is the caller's; its failure must not break later swaps.
                }
            }
        }
    }
}
