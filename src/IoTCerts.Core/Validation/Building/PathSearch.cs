namespace IoTCerts.Core;

/// <summary>Compares names by their DER bytes (Go's crypto/x509 finds candidate issuers by raw subject bytes).</summary>
internal sealed class RawNameComparer : IEqualityComparer<ReadOnlyMemory<byte>>
{
    public static readonly RawNameComparer Instance = new();

    public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(ReadOnlyMemory<byte> obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj.Span);
        return hash.ToHashCode();
    }
}

/// <summary>
/// One depth-first search for a path from an end entity to a trust anchor, the way Go's crypto/x509 and
/// rustls-webpki build paths: candidate issuers by subject name (its RFC 5280 §7.1 canonical form), trust anchors first, ordered by AKI/SKI
/// match; loops cut by subject+key; a failed candidate makes the search try the next; every step charged to a
/// budget. Not thread-safe: one instance per validation at a time.
/// </summary>
/// <remarks>
/// The working lists are kept per thread and reused (<see cref="Rent"/>, <see cref="Return"/>), so a warm validation
/// allocates only its result; a revocation checker that validates from inside a validation gets a fresh instance.
/// </remarks>
internal sealed class PathSearch
{
    // Lists that grew past this for a hostile bag of certificates are not kept for the thread.
    private const int MaxRetainedCapacity = 64;

    // Bags up to this size are searched by scanning (no allocation on the warm path); larger ones are indexed by
    // content hash (duplicates) and by subject name (candidates), so thousands of decoys cost linear work (issue 17).
    private const int IndexThreshold = 16;

    [ThreadStatic]
    private static PathSearch? t_cached;

    private readonly List<CertificateFacts> _intermediates = [];
    private HashSet<Sha256Key>? _intermediateKeys;
    private Dictionary<ReadOnlyMemory<byte>, List<CertificateFacts>>? _intermediatesBySubject;
    private readonly List<CertificateFacts> _path = [];
    private readonly List<IReadOnlyList<RuleViolation>> _violations = [];
    private readonly List<RuleViolation> _leafViolations = [];
    private readonly List<PathViolation> _pathViolations = [];
    private readonly List<List<(CertificateFacts Facts, bool IsAnchor)>> _candidatesByDepth = [];
    private ChainValidator _validator = null!;
    private ValidationContext _context = null!;
    private DateTimeOffset _at;
    private ValidationBudgetCounter _budget;
    private Attempt? _best;
    private PolicyOutcome _policies;
    private bool _checkRevocation;

    private PathSearch()
    {
    }

    /// <summary>The candidate intermediates of this validation (filled by the validator before <see cref="Run"/>).</summary>
    public List<CertificateFacts> Intermediates => _intermediates;

    /// <summary>Adds a candidate intermediate unless the same certificate (by content) is already there.</summary>
    public void AddIntermediate(CertificateFacts facts)
    {
        if (_intermediateKeys is { } keys)
        {
            if (keys.Add(facts.ContentKey))
            {
                _intermediates.Add(facts);
            }

            return;
        }

        foreach (var item in _intermediates)
        {
            if (ReferenceEquals(item, facts) || item.ContentKey == facts.ContentKey)
            {
                return;
            }
        }

        _intermediates.Add(facts);
        if (_intermediates.Count > IndexThreshold)
        {
            _intermediateKeys = [];
            foreach (var item in _intermediates)
            {
                _intermediateKeys.Add(item.ContentKey);
            }
        }
    }

    public static PathSearch Rent(ChainValidator validator, ValidationContext context, DateTimeOffset at, bool checkRevocation = true)
    {
        var search = t_cached ?? new PathSearch();
        t_cached = null;
        search._validator = validator;
        search._context = context;
        search._at = at;
        search._checkRevocation = checkRevocation;
        search._budget = new ValidationBudgetCounter(validator.Policy.Budget);
        search._best = null;
        search._policies = PolicyOutcome.Empty;
        return search;
    }

    /// <summary>Drops every reference the search holds (certificates must not outlive the validation here) and keeps it for the thread.</summary>
    public void Return()
    {
        var retain = _intermediates.Capacity <= MaxRetainedCapacity && _path.Capacity <= MaxRetainedCapacity && _candidatesByDepth.Count <= MaxRetainedCapacity;
        _intermediates.Clear();
        _intermediateKeys = null;
        _intermediatesBySubject = null;
        _path.Clear();
        _violations.Clear();
        _leafViolations.Clear();
        _pathViolations.Clear();
        foreach (var candidates in _candidatesByDepth)
        {
            retain &= candidates.Capacity <= MaxRetainedCapacity;
            candidates.Clear();
        }

        _validator = null!;
        _context = null!;
        _best = null;
        _policies = PolicyOutcome.Empty;
        if (retain)
        {
            t_cached = this;
        }
    }

    private sealed record Attempt(CertificateFacts[] Chain, List<ChainError> Errors, bool Complete);

    public ChainValidationResult Run(CertificateFacts endEntity)
    {
        _path.Add(endEntity);
        CertificateRules.Apply(endEntity, ChainRole.EndEntity, _at, _context.Purpose, _validator.Policy.Algorithms, _validator.Policy.Rules, _leafViolations);
        _violations.Add(_leafViolations);

        bool found;
        if (_validator.IsTrustAnchor(endEntity))
        {
            // The end entity itself is trusted (pinned): a chain of one.
            found = Complete();
        }
        else
        {
            found = Extend();
        }

        if (found)
        {
            var chain = new Certificate[_path.Count];
            for (var i = 0; i < chain.Length; i++)
            {
                chain[i] = _path[i].Certificate;
            }

            return new ChainValidationResult(chain, [], _at, _policies.AuthoritiesConstrained, _policies.UserConstrained);
        }

        var best = _best ?? new Attempt([endEntity], [], false);
        var errors = best.Errors;
        if (errors.Count == 0 && !_budget.Exhausted)
        {
            // Never report an unfinished search as valid.
            errors = [new ChainError(ChainStatus.PartialChain, best.Chain.Length - 1, NoIssuer(best.Chain[^1]).Message)];
        }

        if (_budget.Exhausted)
        {
            errors = [new ChainError(ChainStatus.BudgetExceeded, best.Chain.Length - 1, _budget.ExhaustedMessage!), .. errors];
        }

        return new ChainValidationResult(Array.ConvertAll(best.Chain, f => f.Certificate), errors, _at);
    }

    // Returns true when a valid path was completed (it is left in _path).
    private bool Extend()
    {
        var current = _path[^1];
        var candidates = Candidates(current);
        if (candidates.Count == 0)
        {
            Record(NoIssuer(current), complete: false);
            return false;
        }

        var explored = false;
        var signatureFailures = 0;
        foreach (var (candidate, isAnchor) in candidates)
        {
            if (!_budget.ChargeBuildStep())
            {
                return false;
            }

            if (IsOnPath(candidate))
            {
                continue;
            }

            explored = true;

            // Self-issued CAs do not count toward the depth (RFC 5280 §6.1.4), so the raw length has its own cap.
            if (!isAnchor && (LogicalIntermediates() + (candidate.IsSelfIssued ? 0 : 1) > _validator.Policy.MaxDepth || _path.Count > (2 * _validator.Policy.MaxDepth) + 8))
            {
                Record(new PathViolation(_path.Count - 1, ChainStatus.ChainTooLong,
                    $"chain too long: the issuer of \"{current.SubjectText}\" would be intermediate CA number {LogicalIntermediates() + 1}; the policy allows at most {_validator.Policy.MaxDepth}"), complete: false);
                continue;
            }

            switch (_validator.Verifier.Verify(candidate, current, remember: _path.Count > 1, ref _budget))
            {
                case SignatureVerifier.Outcome.BudgetExceeded:
                    return false;
                case SignatureVerifier.Outcome.Invalid:
                    signatureFailures++;
                    Record(candidate.PublicKey.BoundsViolation is { } bounds
                        ? new PathViolation(_path.Count - 1, ChainStatus.KeyOutOfBounds,
                            $"the signature of certificate \"{current.SubjectText}\" was not checked: the key of \"{candidate.SubjectText}\" is outside IoTCerts' bounds ({bounds})")
                        : new PathViolation(_path.Count - 1, ChainStatus.NotSignatureValid,
                            $"the signature of certificate \"{current.SubjectText}\" does not verify with the public key of \"{candidate.SubjectText}\" ({current.SignatureAlgorithm.Describe()})"), complete: false);
                    if (signatureFailures >= _validator.Policy.Budget.MaxSignatureFailuresPerCertificate)
                    {
                        // Same-name decoys (issue 17): each costs a key import and a verification, so one certificate
                        // may not spend the whole signature budget on them.
                        _budget.StopForSignatureFailures(signatureFailures, current.SubjectText);
                        return false;
                    }

                    continue;
            }

            var violations = CertificateRules.ForIssuer(candidate, isAnchor ? ChainRole.TrustAnchor : ChainRole.Intermediate, _at, _context.Purpose, _validator.Policy.Algorithms, _validator.Policy.Rules);
            _path.Add(candidate);
            _violations.Add(violations);
            if (isAnchor ? Complete() : Extend())
            {
                return true;
            }

            _path.RemoveAt(_path.Count - 1);
            _violations.RemoveAt(_violations.Count - 1);
            if (_budget.Exhausted)
            {
                return false;
            }
        }

        if (!explored)
        {
            // Every candidate issuer is already on the path: a loop, which leads nowhere (Go's crypto/x509).
            Record(NoIssuer(current), complete: false);
        }

        return false;
    }

    // The path ends at a trust anchor: apply the rules that need the whole path, then revocation.
    private bool Complete()
    {
        var pathViolations = _pathViolations;
        pathViolations.Clear();
        PathRules.Apply(_path, _validator.Policy, _context.ExpectedPeerName, ref _budget, pathViolations);
        if (_budget.Exhausted)
        {
            return false;
        }

        // RFC 5280 §6.1.2–§6.1.5: certificate policies (no graph at all for chains without policy extensions).
        _policies = PolicyGraph.Process(_path, _context, _validator.Policy.Budget.MaxPolicyGraphSize);
        if (_policies.Violation is { } policyViolation)
        {
            pathViolations.Add(policyViolation);
        }

        if (pathViolations.Count == 0 && _violations.TrueForAll(v => v.Count == 0))
        {
            CheckRevocation(pathViolations);
            if (pathViolations.Count == 0)
            {
                return true;
            }
        }

        Record(pathViolations, complete: true);
        return false;
    }

    private void CheckRevocation(List<PathViolation> found)
    {
        if (_validator.RevocationChecker is not { } checker || !_checkRevocation)
        {
            return;
        }

        var crlChecker = checker as CrlRevocationChecker;

        var soft = _validator.Policy.RevocationFailureMode == RevocationFailureMode.SoftFail;
        for (var i = 0; i < _path.Count - 1; i++)
        {
            var result = crlChecker is not null
                ? crlChecker.Check(_path[i].Certificate, _path[i + 1].Certificate, _at, FindCrlSigner)
                : checker.Check(_path[i].Certificate, _path[i + 1].Certificate, _at);
            if (result.Status == RevocationStatus.Good)
            {
                continue;
            }

            // Named only on failure: the end entity's readable subject is not built on the warm path.
            var subject = _path[i].SubjectText;
            switch (result.Status)
            {
                case RevocationStatus.Revoked:
                    found.Add(new PathViolation(i, ChainStatus.Revoked, $"certificate \"{subject}\" is revoked: {result.Reason}"));
                    break;
                case RevocationStatus.Unknown when !soft:
                    found.Add(new PathViolation(i, ChainStatus.RevocationStatusUnknown, $"the revocation status of certificate \"{subject}\" is unknown: {result.Reason}"));
                    break;
                case RevocationStatus.Unreachable when !soft:
                    found.Add(new PathViolation(i, ChainStatus.OfflineRevocation, $"CRL location not reachable for certificate \"{subject}\": {result.Reason}"));
                    break;
                case RevocationStatus.CrlExpired when !soft:
                    found.Add(new PathViolation(i, ChainStatus.CrlNotTimeValid, $"the CRL for certificate \"{subject}\" is out of date: {result.Reason}"));
                    break;
                case RevocationStatus.CrlSignatureInvalid when !soft:
                    found.Add(new PathViolation(i, ChainStatus.CrlNotSignatureValid, $"the CRL signature for certificate \"{subject}\" is invalid: {result.Reason}"));
                    break;
            }
        }
    }

    // RFC 5280 §6.3.3 (f): a CRL not signed by the certificate's issuer certificate may be signed by another key of
    // the CRL issuer (key rollover, a separate CRL-signing certificate). Candidates are the supplied certificates and
    // anchors with the CRL issuer's name (§7.1), cRLSign when keyUsage is present, and a key that verifies the CRL;
    // each candidate's path is built by the same path builder and policy limits, and must end at this path's anchor.
    private Certificate? FindCrlSigner(CertificateRevocationList crl)
    {
        var name = NameComparison.Canonical(crl.Issuer.RawData.Span);
        var anchor = _path[^1].Certificate;
        var supplied = new List<Certificate>(_intermediates.Count);
        foreach (var facts in _intermediates)
        {
            supplied.Add(facts.Certificate);
        }

        var candidates = new List<CertificateFacts>(_intermediates);
        if (_validator.AnchorsBySubject.TryGetValue(name, out var anchors))
        {
            candidates.AddRange(anchors);
        }

        var facts0 = CrlFacts.Of(crl);
        foreach (var candidate in candidates)
        {
            if (!candidate.CanonicalSubject.Span.SequenceEqual(name)
                || (candidate.Extensions.KeyUsage is { } usage && (usage & KeyUsage.CrlSign) == 0)
                || !_budget.ChargeSignature()
                || !facts0.IsSignedBy(candidate.Certificate))
            {
                continue;
            }

            if (_validator.IsTrustAnchor(candidate) && candidate.Certificate.RawData.Span.SequenceEqual(anchor.RawData.Span))
            {
                return candidate.Certificate;
            }

            var path = _validator.Validate(candidate.Certificate, supplied, new ValidationContext { ValidationTime = _at }, checkRevocation: false);
            if (path.IsValid && path.Chain[^1].RawData.Span.SequenceEqual(anchor.RawData.Span))
            {
                return candidate.Certificate;
            }
        }

        return null;
    }

    private PathViolation NoIssuer(CertificateFacts top)
    {
        var index = _path.Count - 1;
        return top.IsSelfIssued
            ? new PathViolation(index, ChainStatus.UntrustedRoot,
                $"chain of trust cannot be validated: certificate and root CA do not match (the root \"{top.SubjectText}\" is not a trusted CA)")
            : new PathViolation(index, ChainStatus.PartialChain,
                $"chain of trust cannot be validated: certificate and root CA do not match (no trusted CA or supplied intermediate is the issuer \"{top.IssuerText}\" of \"{top.SubjectText}\")");
    }

    private void Record(PathViolation extra, bool complete) => Record([extra], complete);

    private void Record(List<PathViolation> extra, bool complete)
    {
        var errors = new List<ChainError>();
        for (var i = 0; i < _violations.Count; i++)
        {
            foreach (var v in _violations[i])
            {
                errors.Add(new ChainError(v.Status, i, v.Message));
            }
        }

        foreach (var v in extra)
        {
            errors.Add(new ChainError(v.Status, v.Index, v.Message));
        }

        // Most specific first (rustls-webpki ranks errors the same way), then from the end entity up.
        errors.Sort((a, b) => a.Status.Rank() != b.Status.Rank() ? b.Status.Rank().CompareTo(a.Status.Rank()) : a.CertificateIndex.CompareTo(b.CertificateIndex));
        var attempt = new Attempt([.. _path], errors, complete);
        if (_best is null || IsBetter(attempt, _best))
        {
            _best = attempt;
        }
    }

    // A completed chain with the fewest problems says most; among incomplete ones, the one that got furthest.
    private static bool IsBetter(Attempt candidate, Attempt best)
    {
        if (candidate.Complete != best.Complete)
        {
            return candidate.Complete;
        }

        if (candidate.Complete)
        {
            return candidate.Errors.Count < best.Errors.Count;
        }

        return candidate.Chain.Length > best.Chain.Length;
    }

    private bool IsOnPath(CertificateFacts candidate)
    {
        foreach (var member in _path)
        {
            if (member.IsSameSubjectAndKey(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private int LogicalIntermediates()
    {
        var count = 0;
        for (var i = 1; i < _path.Count; i++)
        {
            if (!_path[i].IsSelfIssued)
            {
                count++;
            }
        }

        return count;
    }

    // Trust anchors first (the shortest way to trust, including partial chains), then the supplied intermediates;
    // within each group, a candidate whose SKI matches the child's AKI first and a mismatching one last.
    private List<(CertificateFacts Facts, bool IsAnchor)> Candidates(CertificateFacts child)
    {
        // One list per depth: a deeper Extend runs while this level still walks its own candidates.
        var depth = _path.Count - 1;
        while (_candidatesByDepth.Count <= depth)
        {
            _candidatesByDepth.Add([]);
        }

        var result = _candidatesByDepth[depth];
        result.Clear();
        if (_intermediates.Count <= IndexThreshold)
        {
            foreach (var candidate in _intermediates)
            {
                child.BorrowCanonicalIssuer(candidate);
            }
        }

        if (_validator.AnchorsBySubject.TryGetValue(child.CanonicalIssuer, out var anchors))
        {
            AddOrdered(result, child, anchors, isAnchor: true);
        }

        if (_intermediates.Count > IndexThreshold)
        {
            if (BySubject().TryGetValue(child.Issuer, out var named))
            {
                AddOrdered(result, child, named, isAnchor: false);
            }
        }
        else
        {
            AddOrdered(result, child, _intermediates, isAnchor: false);
        }

        return result;
    }

    private Dictionary<ReadOnlyMemory<byte>, List<CertificateFacts>> BySubject()
    {
        if (_intermediatesBySubject is null)
        {
            _intermediatesBySubject = new(RawNameComparer.Instance);
            foreach (var facts in _intermediates)
            {
                if (!_intermediatesBySubject.TryGetValue(facts.Subject, out var list))
                {
                    _intermediatesBySubject[facts.Subject] = list = [];
                }

                list.Add(facts);
            }
        }

        return _intermediatesBySubject;
    }

    // Candidates whose subject is the child's issuer, in the given order; with more than one, those whose SKI matches
    // the child's AKI first and mismatching ones last (the anchors' lists hold only names that match already). Among
    // several whose SKI matches — only forged key identifiers do that — those whose own issuer is at hand (an anchor or
    // a supplied intermediate has its issuer's name) come first: a decoy issued by nobody here cannot lead to trust.
    private void AddOrdered(List<(CertificateFacts, bool)> result, CertificateFacts child, List<CertificateFacts> candidates, bool isAnchor)
    {
        // RFC 5280 §7.1: names compare in their canonical form (case, spaces, PrintableString/UTF8String).
        var issuer = child.CanonicalIssuer.Span;
        var matching = 0;
        var keyIdMatching = 0;
        CertificateFacts? only = null;
        foreach (var candidate in candidates)
        {
            if (candidate.CanonicalSubject.Span.SequenceEqual(issuer))
            {
                matching++;
                only = candidate;
                if (KeyIdPreference(child, candidate) == 0)
                {
                    keyIdMatching++;
                }
            }
        }

        if (matching == 1)
        {
            result.Add((only!, isAnchor));
            return;
        }

        foreach (var preference in (ReadOnlySpan<int>)[0, 1, 2])
        {
            var rankByIssuer = preference == 0 && keyIdMatching > 1 && !isAnchor;
            foreach (var pass in rankByIssuer ? (ReadOnlySpan<bool>)[true, false] : [true])
            {
                foreach (var candidate in candidates)
                {
                    if (candidate.CanonicalSubject.Span.SequenceEqual(issuer) && KeyIdPreference(child, candidate) == preference
                        && (!rankByIssuer || IssuerAtHand(candidate) == pass))
                    {
                        result.Add((candidate, isAnchor));
                    }
                }
            }
        }
    }

    // True when a trust anchor or a supplied intermediate bears the candidate's issuer name (a one-step lookahead
    // without any signature check).
    private bool IssuerAtHand(CertificateFacts candidate)
    {
        if (_validator.AnchorsBySubject.ContainsKey(candidate.CanonicalIssuer))
        {
            return true;
        }

        if (_intermediates.Count > IndexThreshold)
        {
            return BySubject().ContainsKey(candidate.Issuer);
        }

        foreach (var other in _intermediates)
        {
            if (other.CanonicalSubject.Span.SequenceEqual(candidate.CanonicalIssuer.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static int KeyIdPreference(CertificateFacts child, CertificateFacts candidate)
    {
        if (child.Extensions.AuthorityKeyId?.KeyId is not { } aki || candidate.Extensions.SubjectKeyId is not { } ski)
        {
            return 1;
        }

        return aki.Span.SequenceEqual(ski.Span) ? 0 : 2;
    }
}
