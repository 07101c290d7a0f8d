using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Me;

/// <summary>One field of the resident's own record: its labels, level and category, and its value in the clear (null when not recorded).</summary>
public sealed record MyField(string Key, string LabelZh, string LabelEn, string Level, string Category, string Type, string? Value, bool Present);

/// <summary>The resident's own record, every field in the clear, and where this read was logged.</summary>
public sealed record MyRecord(string Id, string CommunityCode, int Version, IReadOnlyList<MyField> Fields, AccessLogReference Log);

/// <summary>An entry of the resident's own log: <see cref="ByYou"/> marks the accesses they made themselves (shown as "you").</summary>
public sealed record MyAccessEntry(LoggedAccess Entry, bool ByYou, InclusionProofView? Proof, TreeHeadView? TreeHead);

/// <summary>A page of the resident's own log: the entries shown, the cursor of the next page, and the sealed entries of this page (counted and proven, details withheld).</summary>
public sealed record MyAccessLogPage(IReadOnlyList<MyAccessEntry> Entries, string? NextCursor, IReadOnlyList<Oversight.Sealing.SealedAccess> Sealed);

/// <summary>
/// The resident's own data and own log. Reading one's own record is an access like any other: it is
/// logged (actor = the resident, purpose <c>self_access</c>) before the record is returned, and a log
/// that cannot record it refuses the read.
/// </summary>
internal sealed class MyData(ResidentSchema schema, JurisdictionTree tree, AccessLogWriter log, AccessLogQueries queries, PolicyRuntime policy, AccessLogReader reader, TreeHeadSigner signer, Oversight.Sealing.SealService seals)
{
    public const string SelfDecision = "allow:self";

    public async Task<MyRecord> ReadAsync(CallerContext caller, StoredResident me, CancellationToken cancellationToken)
    {
        var recorded = schema.Fields.Where(f => me.Values.ContainsKey(f.Key)).ToList();
        var entry = new AccessLogEntry(
            me.Id,
            me.CommunityCode[..6],
            AccessAction.Read,
            caller.Subject,
            caller.Unit,
            caller.Role,
            caller.ClientId,
            [.. recorded.Select(f => new ServedField(f.Key, Fidelity.Clear.Name()))],
            AccessLogLabels.SelfAccess.Code,
            AccessLogLabels.SelfAccess.LegalBasis,
            [],
            policy.Current.Version,
            SelfDecision);
        var receipt = await log.AppendAsync(entry, cancellationToken);

        var fields = schema.Fields.Select(f =>
        {
            var value = me.Values.GetValueOrDefault(f.Key);
            return new MyField(f.Key, f.LabelZh, f.LabelEn, f.Level.ToString(), f.Category, f.Type.ToString().ToLowerInvariant(), value, value is not null);
        }).ToList();
        return new MyRecord(me.Id, me.CommunityCode, me.Version, fields, new AccessLogReference(receipt.LogId, receipt.Index));
    }

    /// <summary>
    /// The subjects of the entries that concern a resident: their own id, and <c>@</c> + each
    /// jurisdiction they live in (district, street, community, grid), whose aggregates counted them.
    /// </summary>
    public IReadOnlyList<string> SubjectsOf(StoredResident me)
    {
        var subjects = new List<string> { me.Id };
        var district = tree.AncestorOf(me.CommunityCode, JurisdictionKind.District)?.Code ?? me.CommunityCode[..6];
        var street = tree.AncestorOf(me.CommunityCode, JurisdictionKind.Street)?.Code ?? me.CommunityCode[..9];
        subjects.Add(LoggedAccess.AggregateSubjectPrefix + district);
        subjects.Add(LoggedAccess.AggregateSubjectPrefix + street);
        subjects.Add(LoggedAccess.AggregateSubjectPrefix + me.CommunityCode);
        if (me.Values.GetValueOrDefault("grid") is { Length: > 0 } grid)
        {
            subjects.Add(LoggedAccess.AggregateSubjectPrefix + grid);
        }
        return subjects;
    }

    /// <summary>
    /// A page of the resident's log, newest first, each entry with its inclusion proof. A sealed entry
    /// (<see cref="Oversight.Sealing.SealService"/>) is not in <see cref="MyAccessLogPage.Entries"/> but in
    /// <see cref="MyAccessLogPage.Sealed"/>: its position, when it becomes visible, and its proof, so it is
    /// counted and provable while its details wait.
    /// </summary>
    public async Task<MyAccessLogPage> AccessLogAsync(CallerContext caller, StoredResident me, Cursor? after, int limit, CancellationToken cancellationToken)
    {
        var (rows, next) = await queries.BySubjectsAsync(SubjectsOf(me), after, limit, cancellationToken);
        var proven = await queries.ProveAsync(rows, cancellationToken);
        var hidden = await seals.SealedAsync(me.Id, rows, cancellationToken);
        return new MyAccessLogPage(
            [.. proven.Where(p => !hidden.ContainsKey((p.Entry.LogId, p.Entry.Index))).Select(p => new MyAccessEntry(p.Entry, p.Entry.ActorUserId == caller.Subject, p.Proof, p.TreeHead))],
            next,
            [.. proven.Where(p => hidden.ContainsKey((p.Entry.LogId, p.Entry.Index)))
                .Select(p => new Oversight.Sealing.SealedAccess(p.Entry.LogId, p.Entry.Index, hidden[(p.Entry.LogId, p.Entry.Index)], p.Proof, p.TreeHead))]);
    }

    /// <summary>The entry at a position when it concerns the resident; null otherwise (the API's 404, same as a position that does not exist).</summary>
    public async Task<AccessLogRow?> EntryAboutAsync(StoredResident me, string logId, long index, CancellationToken cancellationToken)
    {
        var row = await queries.FindAsync(logId, index, cancellationToken);
        // A sealed entry is as absent as one that does not exist until its seal ends.
        return row is not null && SubjectsOf(me).Contains(row.ResidentId, StringComparer.Ordinal) && (await seals.SealedAsync(me.Id, [row], cancellationToken)).Count == 0 ? row : null;
    }

    /// <summary>
    /// Compares the resident's district log now with the head they were shown last time
    /// (<paramref name="shownSize"/>, <paramref name="shownRoot"/>, kept outside the vault: in the
    /// portal's cookie or the resident's app). A log cut back below that size, or rewritten under
    /// it, is <see cref="ContinuityVerdict.NotConsistent"/>; so is a newest head whose signature does
    /// not verify. The proof is returned either way, for the resident's own check.
    /// </summary>
    public async Task<LogContinuity> ContinuityAsync(StoredResident me, long? shownSize, byte[]? shownRoot, CancellationToken cancellationToken)
    {
        var logId = me.CommunityCode[..6];
        var head = await reader.LatestTreeHeadAsync(logId, cancellationToken);
        if (head is not null && !signer.SignedHead(head.KeyId, logId, head.TreeSize, head.SignedAt.ToUnixTimeMilliseconds(), head.RootHash, head.Signature))
        {
            return new LogContinuity(logId, shownSize, null, [], ContinuityVerdict.NotConsistent, "the newest tree head's signature does not verify");
        }
        var view = head is null ? null : TreeHeadView.From(head);
        if (shownSize is not { } size || shownRoot is null)
        {
            return new LogContinuity(logId, null, view, [], ContinuityVerdict.FirstVisit, null);
        }
        var current = head?.TreeSize ?? 0;
        if (size > current)
        {
            return new LogContinuity(logId, size, view, [], ContinuityVerdict.NotConsistent,
                $"you were shown {size} entries, the log now has {current}: entries were removed");
        }
        var currentRoot = head?.RootHash ?? MerkleHash.EmptyRoot();
        var proof = size == 0 || size == current ? [] : await reader.ConsistencyProofAsync(logId, size, current, cancellationToken);
        var consistent = size == 0 || MerkleProofs.VerifyConsistency(size, current, proof, shownRoot, currentRoot);
        return new LogContinuity(logId, size, view, proof, consistent ? ContinuityVerdict.Consistent : ContinuityVerdict.NotConsistent,
            consistent ? null : "the log is not an extension of the one you were shown: entries were changed or removed");
    }
}
