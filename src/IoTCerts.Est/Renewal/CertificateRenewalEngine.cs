using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTCerts.Est;

/// <summary>
/// Keeps any number of credentials renewed over EST: renews on schedule with jitter, retries transport
/// and server errors, discards unusable answers, writes the new pair next to the live one, verifies it and only then
/// promotes it atomically; falls back to the bootstrap identity when the current certificate has expired. Between
/// renewals it checks that the certificate still chains to the CA set and renews at once when the issuing CA was
/// renewed or re-keyed, raising <see cref="CredentialChanged"/> so dependants reconnect.
/// Thread-safe: attempts are serialized.
/// </summary>
public sealed class CertificateRenewalEngine
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(12);
    private readonly Dictionary<RenewalCredential, CredentialState> _states = [];
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates an engine for <paramref name="credentials"/>.</summary>
    /// <exception cref="ArgumentException">No credential, or two share a name or a file.</exception>
    public CertificateRenewalEngine(IEnumerable<RenewalCredential> credentials, TimeProvider? timeProvider = null, ILogger<CertificateRenewalEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Credentials = [.. credentials];
        if (Credentials.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != Credentials.Count
            || Credentials.Select(c => Path.GetFullPath(c.CertificatePath)).Concat(Credentials.Select(c => Path.GetFullPath(c.KeyPath))).Distinct(StringComparer.Ordinal).Count() != Credentials.Count * 2)
        {
            throw new ArgumentException("each credential needs its own name, certificate file and key file", nameof(credentials));
        }

        foreach (var credential in Credentials)
        {
            if (credential.CaCheckInterval is { } interval && interval <= TimeSpan.Zero)
            {
                throw new ArgumentException($"the CA check interval of credential '{credential.Name}' must be positive (or null to turn the check off)", nameof(credentials));
            }

            credential.Est.Validate();
            _states[credential] = new CredentialState(credential, new CredentialStore(credential.CertificatePath, credential.KeyPath));
        }

        _clock = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after a credential's files were replaced by a new, verified pair.</summary>
    public event EventHandler<CredentialChangedEventArgs>? CredentialChanged;

    /// <summary>The credentials, in configuration order.</summary>
    public IReadOnlyList<RenewalCredential> Credentials { get; }

    /// <summary>
    /// <paramref name="credential"/> as an <see cref="ICertificateCredentialSource"/>: its current certificate, key and
    /// chain, and a <see cref="ICertificateCredentialSource.Changed"/> event raised with the new pair after each promotion
    /// (while the engine still holds its gate, so the pair handed out is the one just promoted). An MQTT client follows it
    /// to hot-swap without either package knowing the other.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="credential"/> is not one of the engine's credentials.</exception>
    public ICertificateCredentialSource GetCredentialSource(RenewalCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return _states.TryGetValue(credential, out var state)
            ? state.Source
            : throw new ArgumentException($"the credential '{credential.Name}' is not renewed by this engine", nameof(credential));
    }

    /// <summary>Test seam: builds the client for an attempt (the default creates a handler from the options).</summary>
    internal Func<EstClientOptions, (EstClient Client, IDisposable Lifetime)> ClientFactory { get; set; } = options =>
    {
        var http = new HttpClient(options.CreateHttpHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        return (new EstClient(http, options), http);
    };

    /// <summary>Test seam: the store of a credential (to inject crashes during promotion).</summary>
    internal CredentialStore StoreOf(RenewalCredential credential) => _states[credential].Store;

    /// <summary>When the engine will next look at <paramref name="credential"/> (null before the first run).</summary>
    public DateTimeOffset? GetNextAttempt(RenewalCredential credential) => _states[credential].NextAttempt;

    /// <summary>Looks at every credential once: those due are renewed (or enrolled), the others are left alone.</summary>
    public Task<IReadOnlyList<RenewalOutcome>> RunOnceAsync(CancellationToken cancellationToken = default) => PassAsync(renewNow: false, cancellationToken);

    /// <summary>
    /// Renews (or enrolls) every credential now, whatever its schedule says, with the same safety as a scheduled
    /// renewal: the new pair is written next to the live one, verified, then promoted. For an operator's "renew now"
    /// (a key thought exposed, a changed subject); the schedule applies again from the new certificate.
    /// </summary>
    public Task<IReadOnlyList<RenewalOutcome>> RenewNowAsync(CancellationToken cancellationToken = default) => PassAsync(renewNow: true, cancellationToken);

    private async Task<IReadOnlyList<RenewalOutcome>> PassAsync(bool renewNow, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcomes = new List<RenewalOutcome>(Credentials.Count);
            foreach (var credential in Credentials)
            {
                outcomes.Add(await ProcessAsync(credential, renewNow, cancellationToken).ConfigureAwait(false));
            }

            return outcomes;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs until cancelled, sleeping until the earliest next attempt (at most 12 hours at a time).</summary>
    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(passCompleted: null, cancellationToken);

    /// <summary>
    /// Runs until cancelled like <see cref="RunAsync(CancellationToken)"/>, handing the outcomes of every pass to
    /// <paramref name="passCompleted"/> (e.g. to print or export them) before sleeping.
    /// </summary>
    public async Task RunAsync(Action<IReadOnlyList<RenewalOutcome>>? passCompleted, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var outcomes = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            passCompleted?.Invoke(outcomes);
            var next = outcomes.Count == 0 ? _clock.GetUtcNow() + MaxSleep : outcomes.Min(o => o.NextAttempt);
            var sleep = next - _clock.GetUtcNow();
            sleep = sleep < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : sleep > MaxSleep ? MaxSleep : sleep;
            try
            {
                await Task.Delay(sleep, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<RenewalOutcome> ProcessAsync(RenewalCredential credential, bool renewNow, CancellationToken cancellationToken)
    {
        var state = _states[credential];
        var now = _clock.GetUtcNow();
        if (!renewNow && state.NextAttempt is { } planned && now < planned)
        {
            return new RenewalOutcome(credential, RenewalStatus.NotDue, planned, null, state.Current?.Certificate, state.ScheduledRenewal);
        }

        LoadedCredential? current;
        try
        {
            current = state.Store.Load();
        }
        catch (CryptographicException ex)
        {
            Log.LiveUnreadable(_logger, credential.Name, ex.Message);
            current = null;
        }

        if (current is not null && state.Current is { } previous && previous.Certificate.Thumbprint != current.Certificate.Thumbprint)
        {
            // The files changed under us (a promotion completed by repair after a crash, or an operator's hand): announce it.
            state.Current = current;
            CredentialChanged?.Invoke(this, new CredentialChangedEventArgs(credential, current.Certificate, previous.KeyPem != current.KeyPem));
            state.Source.Announce(current, previous.KeyPem != current.KeyPem);
        }

        state.Current = current;
        var schedule = credential.Schedule;
        var valid = current is not null && current.Certificate.NotAfter.ToUniversalTime() > now.UtcDateTime;
        if (current is not null && valid)
        {
            var certificate = current.Certificate;
            if (state.JitterFor != certificate.Thumbprint)
            {
                state.JitterFor = certificate.Thumbprint;
                state.JitterSample = Random.Shared.NextDouble();
            }

            DateTimeOffset renewAt;
            try
            {
                renewAt = schedule.GetRenewalTime(certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), state.JitterSample);
            }
            catch (RenewalConfigurationException ex)
            {
                // A schedule that cannot work for this certificate is reported, and the certificate renewed when 90 % of it has passed.
                Log.Misconfigured(_logger, credential.Name, ex.Message);
                renewAt = certificate.NotBefore.ToUniversalTime() + ((certificate.NotAfter - certificate.NotBefore) * 0.9);
            }

            if (now < renewAt && !renewNow)
            {
                var issuerChange = await IssuerChangeAsync(credential, state, current, now, cancellationToken).ConfigureAwait(false);
                if (issuerChange is null)
                {
                    state.ScheduledRenewal = renewAt;
                    state.NextAttempt = state.NextCaCheck is { } check && check < renewAt ? check : renewAt;
                    return new RenewalOutcome(credential, RenewalStatus.NotDue, state.NextAttempt.Value, null, certificate, renewAt);
                }

                Log.IssuerChanged(_logger, credential.Name, issuerChange);
                return await AttemptAsync(credential, state, current, valid, now, cancellationToken, issuerChanged: true).ConfigureAwait(false);
            }
        }

        return await AttemptAsync(credential, state, current, valid, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// why the valid current certificate no longer chains to the CA set (the saved /cacerts file, and every
    /// <see cref="RenewalCredential.CaCheckInterval"/> the server's /cacerts), or null when it still does or the check is not due.
    /// </summary>
    private async Task<string?> IssuerChangeAsync(RenewalCredential credential, CredentialState state, LoadedCredential current, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (credential.CaCertificatesPath is { } path && File.Exists(path))
        {
            var saved = new X509Certificate2Collection();
            try
            {
                saved.ImportFromPemFile(path);
            }
            catch (CryptographicException)
            {
                saved.Clear();
            }

            if (saved.Count > 0 && IssuedCertificateCheck.ChainProblem(current.Certificate, current.Chain, saved, now) is { } localProblem)
            {
                return localProblem;
            }
        }

        if (credential.CaCheckInterval is not { } interval || (state.NextCaCheck is { } due && now < due))
        {
            return null;
        }

        if (ConfiguredAnchors(credential) is { } configured)
        {
            // No /cacerts to ask: the configured set is the CA set (a new CA arrives with new configuration).
            state.NextCaCheck = now + interval;
            return IssuedCertificateCheck.ChainProblem(current.Certificate, current.Chain, configured, now);
        }

        var options = credential.Est.Clone();
        options.ClientCertificate = current.Certificate;
        options.ClientCertificateChain.Clear();
        options.ClientCertificateChain.AddRange(current.Chain);
        options.TimeProvider = _clock;
        var (client, lifetime) = ClientFactory(options);
        try
        {
            var anchors = await client.GetCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            if (anchors.Count == 0)
            {
                // An empty answer says nothing about the CA; renewing against it could not be verified anyway.
                throw new EstException(EstErrorCode.InvalidResponse, "the /cacerts answer holds no certificate");
            }

            var problem = IssuedCertificateCheck.ChainProblem(current.Certificate, current.Chain, anchors, now);
            if (problem is null)
            {
                state.NextCaCheck = now + interval;
            }

            return problem;
        }
        catch (EstException ex)
        {
            // The check is best effort: an unreachable server is tried again at the next check, the renewal keeps its schedule.
            state.NextCaCheck = now + interval;
            Log.CaCheckFailed(_logger, credential.Name, ex.Message, interval);
            return null;
        }
        finally
        {
            lifetime.Dispose();
        }
    }

    private static X509Certificate2Collection? ConfiguredAnchors(RenewalCredential credential) =>
        credential.IssuerTrustAnchors is { Count: > 0 } configured ? [.. configured] : null;

    private async Task<RenewalOutcome> AttemptAsync(RenewalCredential credential, CredentialState state, LoadedCredential? current, bool currentValid, DateTimeOffset now, CancellationToken cancellationToken, bool issuerChanged = false)
    {
        var retryBasis = current?.Certificate;
        LoadedCredential? authentication = currentValid ? current : null;
        if (authentication is null && credential.BootstrapCertificatePath is not null && credential.BootstrapKeyPath is not null)
        {
            authentication = CredentialStore.LoadPair(credential.BootstrapCertificatePath, credential.BootstrapKeyPath);
            if (authentication is null)
            {
                return Retry(credential, state, retryBasis, now, RenewalStatus.Failed, "the bootstrap certificate and key cannot be loaded or do not match");
            }
        }

        if (authentication is null && credential.Est.UserName is null)
        {
            return Retry(credential, state, retryBasis, now, RenewalStatus.Failed, "the certificate has expired (or is missing) and there is neither a bootstrap certificate nor Basic credentials to enroll with");
        }

        var subject = current is not null ? new X500DistinguishedName(current.Certificate.SubjectName.RawData) : credential.Subject;
        if (subject is null)
        {
            return Retry(credential, state, retryBasis, now, RenewalStatus.Failed, "there is no current certificate and no Subject configured for the first enrollment");
        }

        var rotate = credential.RotateKey || current is null;
        using var key = rotate ? EnrollmentRequest.CreateKeyLike(current?.Certificate ?? authentication?.Certificate) : EnrollmentRequest.PrivateKeyOf(current!.Certificate);
        var request = current is not null
            ? EnrollmentRequest.CreateRenewal(current.Certificate, key)
            : EnrollmentRequest.Create(key, subject);

        var options = credential.Est.Clone();
        options.ClientCertificate = authentication?.Certificate;
        options.ClientCertificateChain.Clear();
        if (authentication is not null)
        {
            options.ClientCertificateChain.AddRange(authentication.Chain);
        }

        options.TimeProvider = _clock;
        var (client, lifetime) = ClientFactory(options);
        try
        {
            var anchors = ConfiguredAnchors(credential) ?? await client.GetCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            var reenroll = currentValid;
            var result = reenroll
                ? await client.ReenrollAsync(request, cancellationToken).ConfigureAwait(false)
                : await client.EnrollAsync(request, cancellationToken).ConfigureAwait(false);
            now = _clock.GetUtcNow();
            if (result.IsPending)
            {
                var wait = result.RetryAfter ?? options.DefaultRetryAfter;
                state.NextAttempt = now + wait;
                Log.Pending(_logger, credential.Name, wait);
                EstDiagnostics.RenewalEnded(RenewalStatus.Pending);
                return new RenewalOutcome(credential, RenewalStatus.Pending, state.NextAttempt.Value, $"the server has not decided yet; retrying in {wait}", current?.Certificate);
            }

            var (leaf, chain, problem) = IssuedCertificateCheck.Select(result.Certificates, key, anchors, now);
            if (problem is not null)
            {
                return Retry(credential, state, retryBasis, now, RenewalStatus.Rejected, "the server's answer was discarded: " + problem);
            }

            var keyPem = rotate ? key.ExportPkcs8PrivateKeyPem() : current!.KeyPem;
            state.Store.Promote(chain, keyPem, staged =>
                EnrollmentRequest.SamePublicKey(staged.Certificate, key) ? IssuedCertificateCheck.ChainProblem(staged.Certificate, staged.Chain, anchors, now) : "the written key is not the requested key");
            if (credential.CaCertificatesPath is not null)
            {
                CredentialStore.WriteFile(credential.CaCertificatesPath, System.Text.Encoding.ASCII.GetBytes(CredentialStore.ToPem(anchors)), secret: false);
            }

            var live = state.Store.Load() ?? throw new CryptographicException("the promoted credential cannot be loaded");
            state.Current = live;
            state.NextAttempt = null;
            state.NextCaCheck = credential.CaCheckInterval is { } interval ? now + interval : null;
            Log.Renewed(_logger, credential.Name, live.Certificate.Thumbprint, live.Certificate.NotAfter.ToUniversalTime());
            EstDiagnostics.RenewalEnded(RenewalStatus.Renewed);
            CredentialChanged?.Invoke(this, new CredentialChangedEventArgs(credential, live.Certificate, rotate));
            state.Source.Announce(live, rotate);
            var next = credential.Schedule.GetRenewalTime(live.Certificate.NotBefore.ToUniversalTime(), live.Certificate.NotAfter.ToUniversalTime(), state.Sample(live.Certificate));
            state.ScheduledRenewal = next;
            state.NextAttempt = state.NextCaCheck is { } check && check < next ? check : next;
            return new RenewalOutcome(credential, RenewalStatus.Renewed, state.NextAttempt.Value, null, live.Certificate, next);
        }
        catch (EstException ex) when (issuerChanged && currentValid && ex.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
            && credential.BootstrapCertificatePath is not null && credential.BootstrapKeyPath is not null)
        {
            // A server that no longer knows the old CA refuses re-enrollment with the old certificate: enroll with the
            // bootstrap identity instead (the request still copies the current Subject and SubjectAltName).
            return await AttemptAsync(credential, state, current, currentValid: false, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (EstException ex) when (ex.Code is EstErrorCode.InvalidResponse or EstErrorCode.ResponseTooLarge)
        {
            return Retry(credential, state, retryBasis, _clock.GetUtcNow(), RenewalStatus.Rejected, "the server's answer was discarded: " + ex.Message);
        }
        catch (EstException ex)
        {
            return Retry(credential, state, retryBasis, _clock.GetUtcNow(), RenewalStatus.Failed, ex.Message);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or RenewalConfigurationException)
        {
            return Retry(credential, state, retryBasis, _clock.GetUtcNow(), RenewalStatus.Failed, ex.Message);
        }
        finally
        {
            lifetime.Dispose();
        }
    }

    private RenewalOutcome Retry(RenewalCredential credential, CredentialState state, X509Certificate2? basis, DateTimeOffset now, RenewalStatus status, string detail)
    {
        var interval = basis is null
            ? credential.Schedule.GetRetryInterval(now - TimeSpan.FromDays(1), now, Random.Shared.NextDouble())
            : credential.Schedule.GetRetryInterval(basis.NotBefore.ToUniversalTime(), basis.NotAfter.ToUniversalTime(), Random.Shared.NextDouble());
        state.NextAttempt = now + interval;
        state.ScheduledRenewal = null;
        Log.AttemptFailed(_logger, credential.Name, status, detail, interval);
        EstDiagnostics.RenewalEnded(status);
        return new RenewalOutcome(credential, status, state.NextAttempt.Value, detail, state.Current?.Certificate);
    }

    private sealed class CredentialState
    {
        public CredentialState(RenewalCredential credential, CredentialStore store)
        {
            Store = store;
            Source = new RenewalCredentialSource(credential, this);
        }

        public CredentialStore Store { get; }

        public RenewalCredentialSource Source { get; }

        public LoadedCredential? Current { get; set; }

        public DateTimeOffset? NextAttempt { get; set; }

        public DateTimeOffset? NextCaCheck { get; set; }

        public DateTimeOffset? ScheduledRenewal { get; set; }

        public string? JitterFor { get; set; }

        public double JitterSample { get; set; }

        public double Sample(X509Certificate2 certificate)
        {
            if (JitterFor != certificate.Thumbprint)
            {
                JitterFor = certificate.Thumbprint;
                JitterSample = Random.Shared.NextDouble();
            }

            return JitterSample;
        }
    }

    // The engine's side of the credential-source contract: one per credential, reading the engine's view of the pair.
    private sealed class RenewalCredentialSource(RenewalCredential credential, CredentialState state) : ICertificateCredentialSource
    {
        public event EventHandler<CertificateCredentialChangedEventArgs>? Changed;

        // Before the engine's first pass the files are the truth; afterwards the engine's loaded pair is.
        public CertificateCredential? Current =>
            (state.Current ?? CredentialStore.LoadPair(credential.CertificatePath, credential.KeyPath)) is { } loaded ? ToCredential(loaded) : null;

        public void Announce(LoadedCredential loaded, bool keyRotated) =>
            Changed?.Invoke(this, new CertificateCredentialChangedEventArgs(ToCredential(loaded), keyRotated));

        private static CertificateCredential ToCredential(LoadedCredential loaded) => new(loaded.Certificate, loaded.Chain);
    }
}
