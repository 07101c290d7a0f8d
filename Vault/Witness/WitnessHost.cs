using System.Security.Cryptography;
using System.Text;
using DataVault.Identity.Storage;
using DataVault.Vault.AccessLog;

namespace DataVault.Vault.Witness;

/// <summary>
/// A witness as its own small HTTP service (<c>witness serve</c>): the key and the cosigned checkpoints
/// live in a state directory of the witness's operator, never in the vault's store, and nothing of the
/// vault runs in it. Endpoints (docs/access-log.md, "Witnesses"):
/// <c>POST /add-checkpoint</c> (C2SP tlog-witness) and <c>GET /checkpoint?origin=…</c>, the latest
/// cosigned checkpoint of a log, for <c>audit verify --checkpoint</c>.
/// </summary>
internal static class WitnessHost
{
    public const string KeyFile = "witness.key";
    public const string NameFile = "witness.name";

    /// <summary>Creates the witness's key and name in <paramref name="stateDirectory"/> (0700, files 0600); refuses to overwrite a key.</summary>
    public static string Init(string stateDirectory, string name)
    {
        OwnerOnlyFiles.EnsureDirectory(stateDirectory);
        var keyPath = Path.Combine(stateDirectory, KeyFile);
        if (File.Exists(keyPath))
        {
            throw new InvalidOperationException($"{keyPath} exists already: a witness keeps its key (a new key is a new witness)");
        }
        WriteOwnerOnly(keyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        WriteOwnerOnly(Path.Combine(stateDirectory, NameFile), name + "\n");
        return Load(stateDirectory, []).VerifierKey;
    }

    /// <summary>The witness of a state directory made by <see cref="Init"/>, following <paramref name="logs"/>.</summary>
    public static Witness Load(string stateDirectory, IReadOnlyList<WitnessedLog> logs, TimeProvider? time = null)
    {
        var keyPath = Path.Combine(stateDirectory, KeyFile);
        if (!File.Exists(keyPath))
        {
            throw new InvalidOperationException($"no witness key in {stateDirectory}: run 'witness init --state {stateDirectory} --name <name>' first");
        }
        var seed = Convert.FromBase64String(File.ReadAllText(keyPath).Trim());
        var name = File.ReadAllText(Path.Combine(stateDirectory, NameFile), Encoding.UTF8).Trim();
        return new Witness(name, new TreeHeadSigner(seed), logs, new WitnessState(stateDirectory), time ?? TimeProvider.System);
    }

    /// <summary>Parses <c>--log</c> values: the log's checkpoint verifier key (GET /api/v1/access-log/{logId}/checkpoint/key).</summary>
    public static WitnessedLog ParseLog(string verifierKey) =>
        CheckpointNote.ParseVerifierKey(verifierKey, CheckpointNote.Ed25519Type) is { } parsed
            ? new WitnessedLog(parsed.Name, parsed.PublicKey)
            : throw new FormatException($"'{verifierKey}' is not a checkpoint verifier key (name+keyhash+base64(0x01‖Ed25519 key))");

    public static WebApplication Build(Witness witness, string listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listen);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", async (HttpRequest request, CancellationToken ct) =>
        {
            // A checkpoint with 63 proof lines and a few signatures is a few KiB: 64 KiB is plenty.
            if (request.ContentLength > 64 * 1024)
            {
                return Results.Text("request too large\n", "text/plain; charset=utf-8", statusCode: 413);
            }
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var answer = await witness.AddCheckpointAsync(await reader.ReadToEndAsync(ct), ct);
            return Results.Text(answer.Body, answer.ContentType, statusCode: answer.Status);
        });
        app.MapGet("/checkpoint", (string origin) =>
            witness.Latest(origin) is { } note ? Results.Text(note, "text/plain; charset=utf-8") : Results.Text("never cosigned a checkpoint of this origin\n", statusCode: 404));
        app.MapGet("/", () => Results.Text($"DataVault witness {witness.Name}\n{witness.VerifierKey}\n"));
        return app;
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        using var file = new FileStream(path, OwnerOnlyFiles.CreateOptions(FileMode.CreateNew));
        file.Write(Encoding.UTF8.GetBytes(text));
        file.Flush(flushToDisk: true);
    }
}
