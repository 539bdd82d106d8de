using IoTCerts.Est;
using IoTCerts.Mqtt;

namespace IoTCerts.Device;

/// <summary>
/// Connects certificate renewal to the MQTT device client: when the engine promotes a renewed certificate and
/// key, the client closes its connection and connects again with them (<see cref="MqttDeviceClient.UpdateCredentialAsync"/>),
/// keeping its subscriptions and unacknowledged messages.
/// </summary>
/// <remarks>
/// The engine publishes the credential through IoTCerts.Core's <see cref="Core.ICertificateCredentialSource"/> and the
/// client follows any such source; this package only joins the two, so neither IoTCerts.Est nor IoTCerts.Mqtt
/// references the other.
/// </remarks>
public static class MqttRenewalExtensions
{
    /// <summary>
    /// Swaps <paramref name="client"/>'s credential whenever <paramref name="engine"/> renews <paramref name="credential"/>.
    /// The new pair is the one the engine just promoted (certificate, key and chain); swaps run in order, off the
    /// engine's thread.
    /// </summary>
    /// <param name="engine">The renewal engine.</param>
    /// <param name="credential">Which of the engine's credentials the client uses.</param>
    /// <param name="client">The client to reconnect.</param>
    /// <param name="onError">
    /// Called when a swap fails: the reconnect failed (<see cref="MqttConnectException"/>; automatic reconnect keeps
    /// trying with the new credential), or the broker refused the new certificate in CONNACK
    /// (<see cref="MqttConnectException"/> with <see cref="MqttConnectError.ClientCertificateRejected"/>). Failures are
    /// otherwise ignored.
    /// </param>
    /// <returns>Dispose it to stop following renewals.</returns>
    /// <exception cref="ArgumentException"><paramref name="credential"/> is not one of the engine's credentials.</exception>
    public static IDisposable ReconnectOnRenewal(this CertificateRenewalEngine engine, RenewalCredential credential, MqttDeviceClient client, Func<Exception, Task>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(client);
        return client.FollowCredentialSource(engine.GetCredentialSource(credential), onError);
    }
}
