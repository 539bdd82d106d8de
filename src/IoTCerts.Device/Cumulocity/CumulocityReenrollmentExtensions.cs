using IoTCerts.Est;
using IoTCerts.Mqtt;

namespace IoTCerts.Device;

/// <summary>
/// Hands the Cumulocity device token to EST re-enrollment: Cumulocity authenticates <c>/simplereenroll</c> with the
/// device JWT, which the device obtains over MQTT (<see cref="CumulocityTokenProvider"/>). The token flow
/// itself stays with the MQTT client; this only carries each new token over.
/// </summary>
public static class CumulocityReenrollmentExtensions
{
    /// <summary>
    /// From now on, each token <paramref name="tokens"/> receives (first and refreshed) becomes
    /// <paramref name="credential"/>'s EST bearer token, replacing Basic credentials. The renewal engine copies the EST
    /// options at each attempt, so the next re-enrollment uses the newest token.
    /// </summary>
    /// <param name="tokens">The token provider of the device's MQTT client.</param>
    /// <param name="credential">The credential renewed with the token.</param>
    /// <returns>Dispose it to stop handing tokens over.</returns>
    public static IDisposable UseTokenForReenrollment(this CumulocityTokenProvider tokens, RenewalCredential credential)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(credential);
        return new TokenHandover(tokens, credential);
    }

    private sealed class TokenHandover : IDisposable
    {
        private readonly CumulocityTokenProvider _tokens;
        private readonly RenewalCredential _credential;

        public TokenHandover(CumulocityTokenProvider tokens, RenewalCredential credential)
        {
            _tokens = tokens;
            _credential = credential;
            _tokens.TokenReceivedAsync += OnTokenAsync;
        }

        public void Dispose() => _tokens.TokenReceivedAsync -= OnTokenAsync;

        private Task OnTokenAsync(CumulocityTokenEventArgs e)
        {
            // Basic goes first so a copy taken by the engine in between never holds both (the options refuse that).
            EstClientOptions est = _credential.Est;
            est.UserName = null;
            est.Password = null;
            est.BearerToken = e.Token.Value;
            return Task.CompletedTask;
        }
    }
}
