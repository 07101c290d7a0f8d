namespace DataVault.Identity.Keys;

/// <summary>A signing key's place in the schedule: its id and when it starts signing.</summary>
internal sealed record ScheduledKey(string Id, DateTimeOffset NotBefore);

/// <summary>What the key store must do now, and which keys the server uses.</summary>
/// <param name="CreateWithNotBefore">When set, a new key must be created that starts signing at this time.</param>
/// <param name="Active">The key that signs now (null only when one must be created to sign immediately).</param>
/// <param name="Published">Every key the JWKS publishes and validation accepts, active one first.</param>
/// <param name="Expired">Keys no unexpired token can have been signed with: safe to delete.</param>
internal sealed record KeySchedulePlan(DateTimeOffset? CreateWithNotBefore, ScheduledKey? Active, IReadOnlyList<ScheduledKey> Published, IReadOnlyList<ScheduledKey> Expired);

/// <summary>
/// Key rollover, as pure logic. A new key is created <c>propagation</c> before it starts signing,
/// and published in the JWKS from creation, so a relying party that caches the JWKS already knows
/// it when the first token signed with it arrives. A superseded key stays published for
/// <c>retention</c> (the longest token lifetime) so tokens it signed still validate, then goes.
/// </summary>
internal static class SigningKeySchedule
{
    public static KeySchedulePlan Plan(IReadOnlyCollection<ScheduledKey> keys, DateTimeOffset now, TimeSpan rotation, TimeSpan propagation, TimeSpan retention)
    {
        var ordered = keys.OrderByDescending(k => k.NotBefore).ThenBy(k => k.Id, StringComparer.Ordinal).ToList();
        var active = ordered.FirstOrDefault(k => k.NotBefore <= now);
        var pending = ordered.Where(k => k.NotBefore > now).ToList();

        DateTimeOffset? create = null;
        if (active is null && pending.Count == 0)
        {
            create = now; // first run: nothing can be signed until a key exists
        }
        else if (active is not null && pending.Count == 0 && now >= active.NotBefore + rotation - propagation)
        {
            var due = active.NotBefore + rotation;
            create = due < now + propagation ? now + propagation : due;
        }

        var published = new List<ScheduledKey>();
        var expired = new List<ScheduledKey>();
        if (active is not null)
        {
            published.Add(active);
        }
        published.AddRange(pending);
        // Older keys: each was superseded when its successor started signing.
        var successorStart = active?.NotBefore;
        foreach (var key in ordered.Where(k => k.NotBefore <= now && !ReferenceEquals(k, active)))
        {
            if (successorStart is { } supersededAt && now < supersededAt + retention)
            {
                published.Add(key);
            }
            else
            {
                expired.Add(key);
            }
            successorStart = key.NotBefore;
        }
        return new KeySchedulePlan(create, active, published, expired);
    }
}
