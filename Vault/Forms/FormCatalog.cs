using DataVault.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Forms;

/// <summary>A form as a district has it: its definition and version (0: the shipped template), who defined it and when.</summary>
public sealed record CatalogForm(FormDefinition Definition, int Version, bool Template, string? DefinedBy, DateTimeOffset? DefinedAt);

/// <summary>
/// The shipped templates (<c>policies/forms/*.json</c>, one form per file, its code the file name), read
/// and checked once at start: a template with a mistake stops the vault, as any policy file does.
/// </summary>
public sealed class FormTemplates
{
    public const string Folder = "forms";

    private FormTemplates(IReadOnlyList<FormDefinition> all) => All = all;

    public IReadOnlyList<FormDefinition> All { get; }

    public static FormTemplates LoadOrThrow(string policiesDirectory, ResidentSchema schema, PurposeCatalog purposes)
    {
        var folder = Path.Combine(policiesDirectory, Folder);
        var forms = new List<FormDefinition>();
        var errors = new List<string>();
        IEnumerable<string> files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal) : [];
        foreach (var path in files)
        {
            var (form, problems) = FormDefinitionReader.Read(File.ReadAllText(path), schema, purposes);
            if (form is not null && form.Code != Path.GetFileNameWithoutExtension(path).Replace('-', '_'))
            {
                problems = [new FormProblem("code", $"'{form.Code}' is not the file's name")];
            }
            errors.AddRange(problems.Select(p => $"{Folder}/{Path.GetFileName(path)}: {p.Path}: {p.Reason}"));
            if (problems.Count == 0)
            {
                forms.Add(form!);
            }
        }
        return errors.Count == 0 ? new FormTemplates(forms) : throw new InvalidDataException(string.Join("; ", errors));
    }
}

/// <summary>
/// The forms of a district: each shipped template, unless the district defined a form of that code
/// (its newest version wins), and the district's own forms. Definitions are versioned rows of
/// <c>department_forms</c>; a version is never changed once written.
/// </summary>
internal sealed class FormCatalog(IDbContextFactory<VaultDbContext> dbs, FormTemplates templates, TimeProvider time)
{
    public async Task<IReadOnlyList<CatalogForm>> ListAsync(string district, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Set<FormRow>().AsNoTracking().Where(f => f.DistrictCode == district).ToListAsync(ct);
        var own = rows.GroupBy(r => r.Code, StringComparer.Ordinal).Select(g => Of(g.MaxBy(r => r.Version)!)).ToList();
        return [.. own.Concat(templates.All.Where(t => own.All(o => o.Definition.Code != t.Code)).Select(Of)).OrderBy(f => f.Definition.Code, StringComparer.Ordinal)];
    }

    /// <summary>The form of <paramref name="code"/> in the district: <paramref name="version"/> if given, else the newest (a template is version 0).</summary>
    public async Task<CatalogForm?> FindAsync(string district, string code, int? version, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Set<FormRow>().AsNoTracking().Where(f => f.DistrictCode == district && f.Code == code);
        var row = version is { } v
            ? await query.FirstOrDefaultAsync(f => f.Version == v, ct)
            : await query.OrderByDescending(f => f.Version).FirstOrDefaultAsync(ct);
        if (row is not null)
        {
            return Of(row);
        }
        return version is null or 0 && templates.All.FirstOrDefault(t => t.Code == code) is { } template ? Of(template) : null;
    }

    /// <summary>Stores <paramref name="form"/> as the district's next version of its code.</summary>
    public async Task<CatalogForm?> DefineAsync(string district, FormDefinition form, CallerContext by, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var last = await db.Set<FormRow>().Where(f => f.DistrictCode == district && f.Code == form.Code).MaxAsync(f => (int?)f.Version, ct) ?? 0;
        var row = new FormRow
        {
            DistrictCode = district,
            Code = form.Code,
            Version = last + 1,
            Definition = System.Text.Json.JsonSerializer.Serialize(form, FormDefinition.Json),
            DefinedBy = by.Subject,
            DefinedByUnit = by.Unit,
            DefinedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Add(row);
        // Two officers saving at once: the primary key (district, code, version) lets one in; the other gets null (409).
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return null;
        }
        return Of(row);
    }

    private static CatalogForm Of(FormDefinition template) => new(template, 0, true, null, null);

    private static CatalogForm Of(FormRow row) => new(
        System.Text.Json.JsonSerializer.Deserialize<FormDefinition>(row.Definition, FormDefinition.Json)!,
        row.Version, false, row.DefinedBy, DateTimeOffset.FromUnixTimeMilliseconds(row.DefinedAtUnixMs));

    internal static string NewFillId() => "fill_" + ResidentWriter.NewId();
}
