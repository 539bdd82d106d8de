using IoTCerts.Mqtt;

namespace IoTCerts.Est;

/// <summary>
/// Connects certificate renewal to the MQTT device client: when the engine promotes a renewed certificate and
/// key, the client closes its connection and connects again with them (<see cref="MqttDeviceClient.UpdateCredentialAsync"/>),
/// keeping its subscriptions and unacknowledged messages.
/// </summary>
/// <remarks>
/// The glue lives here rather than in IoTCerts.Mqtt so that the MQTT client does not depend on EST and its HTTP stack;
/// the EST package already carries everything the MQTT package needs.
/// </remarks>
public static class MqttRenewalExtensions
{
    /// <summary>
    /// Swaps <paramref name="client"/>'s credential whenever <paramref name="engine"/> renews <paramref name="credential"/>.
    /// The new pair is read from the credential's files (certificate followed by its chain, and key) as soon as the
    /// engine announces it; swaps run in order, off the engine's thread.
    /// </summary>
    /// <param name="engine">The renewal engine.</param>
    /// <param name="credential">Which of the engine's credentials the client uses.</param>
    /// <param name="client">The client to reconnect.</param>
    /// <param name="onError">
    /// Called when a swap fails: the files cannot be read (<see cref="MqttCredentialException"/>), the reconnect failed
    /// (<see cref="MqttConnectException"/>; automatic reconnect keeps trying with the new credential), or the broker
    /// refused the new certificate in CONNACK (<see cref="MqttConnectException"/> with
    /// <see cref="MqttConnectError.ClientCertificateRejected"/>). Failures are otherwise ignored.
    /// </param>
    /// <returns>Dispose it to stop following renewals.</returns>
    /// <exception cref="ArgumentException"><paramref name="credential"/> is not one of the engine's credentials.</exception>
    public static IDisposable ReconnectOnRenewal(this CertificateRenewalEngine engine, RenewalCredential credential, MqttDeviceClient client, Func<Exception, Task>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(client);
        if (!engine.Credentials.Contains(credential))
        {
            throw new ArgumentException($"the credential '{credential.Name}' is not renewed by this engine", nameof(credential));
        }

        return new RenewalSubscription(engine, credential, client, onError);
    }

    private sealed class RenewalSubscription : IDisposable
    {
        private readonly CertificateRenewalEngine _engine;
        private readonly RenewalCredential _credential;
        private readonly MqttDeviceClient _client;
        private readonly Func<Exception, Task>? _onError;
        private readonly Lock _sync = new();
        private Task _tail = Task.CompletedTask;

        public RenewalSubscription(CertificateRenewalEngine engine, RenewalCredential credential, MqttDeviceClient client, Func<Exception, Task>? onError)
        {
            _engine = engine;
            _credential = credential;
            _client = client;
            _onError = onError;
            _engine.CredentialChanged += OnCredentialChanged;
        }

        public void Dispose() => _engine.CredentialChanged -= OnCredentialChanged;

        private void OnCredentialChanged(object? sender, CredentialChangedEventArgs e)
        {
            if (!ReferenceEquals(e.Credential, _credential))
            {
                return;
            }

            // Read now, while the engine holds its gate: the files are the pair just promoted, not a later one half-written.
            MqttClientCredential? renewed = null;
            Exception? readError = null;
            try
            {
                renewed = MqttClientCredential.FromPemFiles(_credential.CertificatePath, _credential.KeyPath);
            }
            catch (MqttCredentialException ex)
            {
                readError = ex;
            }

            lock (_sync)
            {
                Task previous = _tail;
                _tail = SwapAfterAsync(previous, renewed, readError);
            }
        }

        // Swaps run one after the other so that an older certificate never replaces a newer one.
        private async Task SwapAfterAsync(Task previous, MqttClientCredential? renewed, Exception? readError)
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.Yield();
            Exception? failure = readError;
            if (renewed is not null)
            {
                try
                {
                    MqttConnectResult? result = await _client.UpdateCredentialAsync(renewed).ConfigureAwait(false);
                    if (result is { IsAccepted: false })
                    {
                        failure = new MqttConnectException(
                            MqttConnectError.ClientCertificateRejected,
                            $"after renewing '{_credential.Name}' the broker refused the connection: {result.Reason}");
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
