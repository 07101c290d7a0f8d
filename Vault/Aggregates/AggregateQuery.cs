using System.Globalization;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Encryption;
using DataVault.Vault.Households;
using DataVault.Vault.Integrity;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Aggregates;

/// <summary>Why an aggregate was refused (each maps to one ProblemDetails code).</summary>
internal enum AggregateRefusal
{
    /// <summary>A parameter is missing or malformed: 400 validation_failed.</summary>
    Invalid,

    /// <summary><c>within</c> is unknown or outside the caller's jurisdiction: 404, the same answer for both.</summary>
    NotFound,

    /// <summary>The policy lets the caller count nothing (or not this field) here for this purpose: 403.</summary>
    Forbidden,

    /// <summary>Households are counted from their index, which an older store is still building: 503 household_index_building.</summary>
    Building,
}

/// <summary>An aggregate, or why there is none (expected outcomes are returned, not thrown).</summary>
internal sealed record AggregateOutcome(AggregateReport? Report, AggregateRefusal? Refusal, string? Detail)
{
    public static AggregateOutcome Refused(AggregateRefusal refusal, string detail) => new(null, refusal, detail);
}

/// <summary>
/// Counts residents per jurisdiction below <c>within</c> (and per category value of one field), under
/// the caller's policy view, and publishes them k-anonymously with complementary suppression.
/// </summary>
/// <remarks>
/// Who is counted: without a field, every resident the caller reaches (any field at <c>exists</c> or
/// more); with a field, every resident whose field the caller holds at <c>exists</c> or more. The
/// resolution is data-independent: if the policy gives the caller the field at <c>category</c> or more
/// in every jurisdiction it reaches under <c>within</c>, residents are counted per category value
/// (<see cref="FieldProjector.Category"/>), with "unrecorded" for a missing value; if it gives only
/// <c>exists</c> anywhere, every resident counts as "recorded" or "unrecorded", so a caller never
/// learns a category it could not see on one record. Decisions come from <see cref="ViewDecider"/>
/// (one per resident jurisdiction, cached on the policy snapshot); grants and break-glass widen single
/// records, not statistics, and are not consulted.
/// </remarks>
internal sealed class AggregateQuery(
    JurisdictionTree tree,
    ResidentSchema schema,
    ViewDecider decider,
    ResidentCodec codec,
    IDbContextFactory<VaultDbContext> contexts,
    AccessLogWriter log,
    IntegrityIncidents incidents,
    HouseholdIndexState householdIndex,
    TimeProvider time,
    IOptions<AggregateOptions> options)
{
    /// <summary>What a count counts: residents (default), or households (distinct household codes, from their blind index).</summary>
    public const string Residents = "residents";
    public const string Households = "households";

    public const string Unrecorded = "unrecorded";
    public const string Recorded = "recorded";
    public const string ServedFidelity = "aggregate";

    /// <summary>The suffix of the pseudo-row that collects a community's residents with no (known) grid.</summary>
    public const string NoGridSuffix = "#no-grid";

    public async Task<AggregateOutcome> RunAsync(CallerContext caller, Purpose purpose, string? within, string? by, string? fieldKey, CancellationToken cancellationToken, string? count = null)
    {
        count ??= Residents;
        if (count is not (Residents or Households))
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "count 必须是 residents 或 households / 'count' is residents or households.");
        }
        var households = count == Households;
        if (households && fieldKey is not null)
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "按户统计不分字段 / households are counted without a field.");
        }
        if (households && !householdIndex.Complete)
        {
            return AggregateOutcome.Refused(AggregateRefusal.Building, "家庭户索引正在建立，稍后再试 / The household index is being built; try again shortly.");
        }
        if (string.IsNullOrWhiteSpace(within))
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "缺少 within / 'within' (a jurisdiction code) is required.");
        }
        JurisdictionKind? leafKind = by switch
        {
            "street" => JurisdictionKind.Street,
            "community" => JurisdictionKind.Community,
            "grid" => JurisdictionKind.Grid,
            _ => null,
        };
        if (leafKind is null)
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "by 必须是 street、community 或 grid / 'by' must be street, community or grid.");
        }
        FieldDefinition? field = null;
        if (fieldKey is not null && !schema.TryGet(fieldKey, out field))
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "未知字段 / 'field' is not a field of the resident schema.");
        }
        var root = tree.Find(within);
        if (root is null || !Reaches(caller.Jurisdiction, root))
        {
            return AggregateOutcome.Refused(AggregateRefusal.NotFound, "在您的辖区内没有该区划 / No such jurisdiction within your reach.");
        }
        if (leafKind.Value <= root.Kind)
        {
            return AggregateOutcome.Refused(AggregateRefusal.Invalid, "by 必须低于 within 的层级 / 'by' must be a level below 'within'.");
        }

        var snapshot = decider.Snapshot;
        var layout = TableLayout.Build(tree, root, leafKind.Value);
        var rights = new Dictionary<string, FieldRights>(StringComparer.Ordinal);
        FieldRights RightsOf(string jurisdiction)
        {
            if (!rights.TryGetValue(jurisdiction, out var r))
            {
                r = decider.Decide(snapshot, caller, purpose.Code, jurisdiction);
                rights[jurisdiction] = r;
            }
            return r;
        }

        // The resolution and the refusal depend on the policy only, never on the data.
        var fieldIndex = field is null ? -1 : IndexOf(field);
        Fidelity? resolution = null;
        // A household is counted where the caller holds its code; a field by what the caller's fidelity shows of it
        // (religion's masked shows only presence: it counts recorded/unrecorded, never per belief).
        var householdIndexOf = households ? IndexOf(schema[HouseholdIndex.CodeField]) : -1;
        var fidelities = layout.ResidentJurisdictions.Select(j =>
            households ? (RightsOf(j).Fidelities[householdIndexOf] > Fidelity.None ? Fidelity.Exists : Fidelity.None)
            : field is null ? (RightsOf(j).Any ? Fidelity.Exists : Fidelity.None)
            : FieldProjector.Shows(field, RightsOf(j).Fidelities[fieldIndex])).ToList();
        if (fidelities.All(f => f == Fidelity.None))
        {
            return AggregateOutcome.Refused(AggregateRefusal.Forbidden, households
                ? "您的角色在此用途下看不到户编号，不能按户统计 / Your role does not hold household codes here for this purpose, so it cannot count households."
                : field is null
                ? "您的角色在此用途下不能统计该区划的居民 / Your role may not count residents here for this purpose."
                : "您的角色在此用途下不能统计该字段 / Your role may not count this field here for this purpose.");
        }
        if (field is not null)
        {
            resolution = fidelities.Where(f => f > Fidelity.None).Min() >= Fidelity.Category ? Fidelity.Category : Fidelity.Exists;
        }

        var (counts, withheld) = households
            ? (await CountHouseholdsAsync(layout, householdIndexOf, RightsOf, cancellationToken), 0)
            : await CountAsync(layout, field, fieldIndex, resolution, RightsOf, cancellationToken);
        var columns = Columns(field, resolution, counts.Keys, time.GetUtcNow().Year);
        var table = layout.Table(columns, counts);
        var k = options.Value.K;
        var suppressed = CellSuppressor.Suppress(table, k);

        var receipt = await log.AppendAsync(new AccessLogEntry(
            "@" + root.Code,
            root.DistrictCode,
            AccessAction.Aggregate,
            caller.Subject,
            caller.Unit,
            caller.Role,
            caller.ClientId,
            field is null ? [] : [new ServedField(field.Key, ServedFidelity)],
            purpose.Code,
            purpose.LegalBasis,
            [],
            snapshot.Version,
            "allow"), cancellationToken);

        return new AggregateOutcome(new AggregateReport(
            root.Code,
            by!,
            field?.Key,
            resolution?.Name(),
            k,
            purpose.Code,
            snapshot.Version,
            columns,
            layout.Rows(columns, table, suppressed),
            suppressed.Count(s => s),
            withheld,
            new AccessLogReference(receipt.LogId, receipt.Index))
        {
            Count = count,
        }, null, null);
    }

    /// <summary>The caller's jurisdiction is the node itself or one of its ancestors (walked through explicit parents).</summary>
    private bool Reaches(string callerJurisdiction, Jurisdiction node)
    {
        for (var n = node; n is not null; n = n.Parent is null ? null : tree.Find(n.Parent))
        {
            if (n.Code == callerJurisdiction)
            {
                return true;
            }
        }
        return false;
    }

    private int IndexOf(FieldDefinition field)
    {
        for (var i = 0; i < schema.Fields.Count; i++)
        {
            if (schema.Fields[i].Key == field.Key)
            {
                return i;
            }
        }
        throw new InvalidOperationException("a field of the schema is in the schema");
    }

    /// <summary>
    /// One keyset-paged pass over the residents of <c>within</c>'s communities: per leaf row, how many
    /// counted residents fall in each column. Only the one field asked for is decrypted, and only when
    /// its category is needed; "recorded" needs only the blob's key list.
    /// </summary>
    private async Task<(Dictionary<string, long[]> Counts, int Withheld)> CountAsync(TableLayout layout, FieldDefinition? field, int fieldIndex, Fidelity? resolution, Func<string, FieldRights> rightsOf, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var withheld = new List<WithheldRecord>();
        void Count(int leaf, string column)
        {
            if (!counts.TryGetValue(column, out var perRow))
            {
                perRow = new long[layout.RowCount];
                counts[column] = perRow;
            }
            perRow[leaf]++;
        }

        await foreach (var r in SlicesAsync(layout.Communities, withData: field is not null, cancellationToken))
        {
            var leaf = layout.LeafOf(r.CommunityCode, r.GridCode);
            var rights = rightsOf(r.GridCode ?? r.CommunityCode);
            if (field is null)
            {
                if (rights.Any)
                {
                    Count(leaf, "");
                }
                continue;
            }
            var fidelity = FieldProjector.Shows(field, rights.Fidelities[fieldIndex]);
            if (fidelity == Fidelity.None || (resolution == Fidelity.Category && fidelity < Fidelity.Category))
            {
                // Not counted: the caller does not hold this field for this resident (the second case
                // is only a resident under a grid the tree does not know, which the policy never reaches).
                continue;
            }
            try
            {
                if (resolution == Fidelity.Exists)
                {
                    // Presence is inside the sealed bucket (layout 2 shows no field keys): open it, make no string of the value.
                    var present = codec.Open(r.Address, r.Data!, static _ => false, key => key == field.Key);
                    Count(leaf, present.ContainsKey(field.Key) ? Recorded : Unrecorded);
                }
                else
                {
                    var values = codec.Open(r.Address, r.Data!, key => key == field.Key);
                    Count(leaf, values.TryGetValue(field.Key, out var value) ? FieldProjector.Category(field, value) : Unrecorded);
                }
            }
            catch (EnvelopeException failure)
            {
                // Not counted in any column (its value is unknown), reported as withheld, recorded as an incident.
                withheld.Add(WithheldRecord.Of(r.Address, failure));
            }
        }
        foreach (var record in withheld)
        {
            await incidents.RecordAsync(record, cancellationToken);
        }
        return (counts, withheld.Count);
    }

    /// <summary>
    /// Households per leaf row: the distinct household codes (by their blind index, no record opened)
    /// among the residents of the leaf whose household code the caller holds. A household with members
    /// in two grids counts in each, and once in every row above them.
    /// </summary>
    private async Task<Dictionary<string, long[]>> CountHouseholdsAsync(TableLayout layout, int codeIndex, Func<string, FieldRights> rightsOf, CancellationToken cancellationToken)
    {
        var perLeaf = new Dictionary<int, HashSet<string>>();
        foreach (var community in layout.Communities)
        {
            var district = tree.Find(community)?.DistrictCode;
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var rows = await db.Set<ResidentRow>().AsNoTracking()
                .Where(r => r.DistrictCode == district && r.CommunityCode == community && r.HouseholdIndex != null)
                .Select(r => new { r.GridCode, r.HouseholdIndex })
                .ToListAsync(cancellationToken);
            foreach (var r in rows)
            {
                if (r.HouseholdIndex!.Length == 0 || rightsOf(r.GridCode ?? community).Fidelities[codeIndex] == Fidelity.None)
                {
                    continue;
                }
                var leaf = layout.LeafOf(community, r.GridCode);
                if (!perLeaf.TryGetValue(leaf, out var set))
                {
                    perLeaf[leaf] = set = new HashSet<string>(StringComparer.Ordinal);
                }
                set.Add(Convert.ToHexString(r.HouseholdIndex));
            }
        }
        var counts = new long[layout.RowCount];
        foreach (var (leaf, set) in perLeaf)
        {
            counts[leaf] = set.Count;
        }
        return new Dictionary<string, long[]>(StringComparer.Ordinal) { [""] = counts };
    }

    /// <summary>
    /// The columns of a field table: the field's whole category domain (so the shape of the answer does
    /// not depend on which values occur), any other value seen, then "unrecorded".
    /// </summary>
    private static IReadOnlyList<string> Columns(FieldDefinition? field, Fidelity? resolution, IEnumerable<string> seen, int year)
    {
        if (field is null)
        {
            return [];
        }
        if (resolution == Fidelity.Exists)
        {
            return [Recorded, Unrecorded];
        }
        List<string> domain = field.Type switch
        {
            FieldType.Enum => [.. field.Rule.Values ?? []],
            FieldType.Bool => ["true", "false"],
            FieldType.Int when field.Rule.Kind == FieldRuleKind.Int && field.Rule.Max - field.Rule.Min <= 100
                => [.. Enumerable.Range(field.Rule.Min, field.Rule.Max - field.Rule.Min + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            FieldType.Date => [.. Enumerable.Range(190, year / 10 - 190 + 1).Select(d => $"{d * 10}s")],
            _ => [Masking.Present],
        };
        var extra = seen.Where(v => v != Unrecorded && !domain.Contains(v)).Order(StringComparer.Ordinal).ToList();
        return [.. domain, .. extra, Unrecorded];
    }

    /// <summary>
    /// Every resident of <paramref name="communities"/>, read once: one community at a time, each walked
    /// along its (district, community, id) index from a keyset cursor (<see cref="ResidentReader.PageQuery"/>,
    /// the lists' query). A single IN list over all the communities ordered by id made the database sort
    /// the whole district again for every page (quadratic at a million residents).
    /// </summary>
    private async IAsyncEnumerable<ResidentSlice> SlicesAsync(IEnumerable<string> communities, bool withData, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pageSize = options.Value.PageSize;
        foreach (var community in communities)
        {
            var filter = new ResidentFilter(tree.Find(community)?.DistrictCode, [community], null);
            string? after = null;
            while (true)
            {
                List<ResidentSlice> page;
                await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
                {
                    var query = ResidentReader.PageQuery(db, filter, after, pageSize);
                    page = withData
                        ? await query.Select(r => new ResidentSlice(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data)).ToListAsync(cancellationToken)
                        : await query.Select(r => new ResidentSlice(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, null)).ToListAsync(cancellationToken);
                }
                foreach (var slice in page)
                {
                    yield return slice;
                }
                if (page.Count < pageSize)
                {
                    break;
                }
                after = page[^1].Id;
            }
        }
    }

    private sealed record ResidentSlice(string Id, string DistrictCode, string StreetCode, string CommunityCode, string? GridCode, int Version, byte[]? Data)
    {
        public RecordAddress Address => new(Id, DistrictCode, StreetCode, CommunityCode, GridCode, Version);
    }
}
