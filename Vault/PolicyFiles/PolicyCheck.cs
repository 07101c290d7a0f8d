using DataVault.Policy;

namespace DataVault.Vault.PolicyFiles;

/// <summary>
/// <c>policy check</c>: finds the models (files whose content has <c>[request_definition]</c>) and policies
/// (*.csv) among the inputs, and validates each policy against its model. With one model every policy is
/// checked against it; with several, a policy goes with the model whose name, without the words "model"
/// and "policy", is the same as its own, else shares the longest prefix with it
/// (<c>rbac_with_domains_model.conf</c> ↔ <c>rbac_with_domains_policy.csv</c>).
/// </summary>
internal static class PolicyCheck
{
    public static IReadOnlyList<PolicyError> Run(IReadOnlyList<string> paths, out string summary)
    {
        var errors = new List<PolicyError>();
        var models = new List<string>();
        var policies = new List<string>();
        var dataVaultFolders = 0;
        foreach (var path in paths)
        {
            if (Directory.Exists(path) && DataVaultPolicyFolder.IsDataVaultFolder(path))
            {
                // DataVault's own folder: its CSV data files are not Casbin policies; the rules are
                // policy.csv composed with the lines generated from them.
                var (folder, loadErrors) = DataVaultPolicyFolder.Load(path);
                errors.AddRange(folder is null ? loadErrors : folder.Check());
                dataVaultFolders++;
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*.*", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
                {
                    Classify(file, explicitFile: false, models, policies, errors);
                }
            }
            else if (File.Exists(path))
            {
                Classify(path, explicitFile: true, models, policies, errors);
            }
            else
            {
                errors.Add(new PolicyError(path, 0, 0, "no such file or directory"));
            }
        }
        if (models.Count == 0 && dataVaultFolders == 0 && errors.Count == 0)
        {
            errors.Add(new PolicyError(paths.Count > 0 ? paths[0] : ".", 0, 0, "no model file (a .conf with [request_definition]) among the inputs"));
        }
        foreach (var model in models)
        {
            var mine = policies.Where(p => BestModel(p, models) == model).ToList();
            if (mine.Count == 0)
            {
                var alone = Enforcer.FromFiles(model, null);
                errors.AddRange(alone.IsSuccess ? alone.Value.Check() : alone.Errors);
                continue;
            }
            foreach (var policy in mine)
            {
                var result = Enforcer.FromFiles(model, policy);
                // A model error would repeat for each of its policies; report it once.
                var found = result.IsSuccess ? result.Value.Check() : result.Errors;
                errors.AddRange(found.Where(e => !errors.Contains(e)));
            }
        }
        summary = dataVaultFolders == 0
            ? $"ok: {models.Count} model(s), {policies.Count} policy file(s)"
            : $"ok: {dataVaultFolders} DataVault policy folder(s), {models.Count} other model(s), {policies.Count} other policy file(s)";
        return errors;
    }

    private static void Classify(string file, bool explicitFile, List<string> models, List<string> policies, List<PolicyError> errors)
    {
        var extension = Path.GetExtension(file);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            policies.Add(file);
            return;
        }
        if (!extension.Equals(".conf", StringComparison.OrdinalIgnoreCase) && !explicitFile)
        {
            return;
        }
        try
        {
            if (File.ReadAllText(file).Contains("[request_definition]", StringComparison.Ordinal))
            {
                models.Add(file);
            }
            else if (explicitFile)
            {
                errors.Add(new PolicyError(file, 0, 0, "neither a model (no [request_definition]) nor a policy (.csv)"));
            }
        }
        catch (IOException e)
        {
            errors.Add(new PolicyError(file, 0, 0, "cannot read: " + e.Message));
        }
    }

    private static string BestModel(string policy, List<string> models)
    {
        var name = Stem(policy);
        return models.OrderByDescending(m => Stem(m) == name ? int.MaxValue : CommonPrefix(Stem(m), name)).ThenBy(m => m, StringComparer.Ordinal).First();
    }

    /// <summary>The file name without the words "model" and "policy": <c>rbac_with_domains_model</c> → <c>rbac_with_domains</c>.</summary>
    private static string Stem(string path) =>
        string.Join('_', Path.GetFileNameWithoutExtension(path).Split('_', '-').Where(t => t is not ("model" or "policy")));

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }
        return n;
    }
}
