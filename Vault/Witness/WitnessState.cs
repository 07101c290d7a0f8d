using System.Security.Cryptography;
using System.Text;
using DataVault.Identity.Storage;

namespace DataVault.Vault.Witness;

/// <summary>
/// What a witness remembers: per log origin, the latest checkpoint it cosigned, as a file in its
/// state directory (<c>logs/&lt;sha256(origin)[:16] hex&gt;.checkpoint</c>, the note as received).
/// <see cref="UpdateAsync"/> checks and replaces it atomically: one request at a time in this
/// process, and an exclusive lock file against a second witness process on the same directory,
/// so two requests can never roll the record back (tlog-witness, "the following race").
/// </summary>
internal sealed class WitnessState(string directory)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Directory { get; } = directory;

    /// <summary>The latest cosigned checkpoint note of <paramref name="origin"/>, or null if it never cosigned one.</summary>
    public string? Latest(string origin)
    {
        var path = PathOf(origin);
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
    }

    /// <summary>
    /// Runs <paramref name="decide"/> on the latest checkpoint of <paramref name="origin"/> under the
    /// lock; when it returns a note to keep, that note is written (fsync, then an atomic rename) before
    /// the lock is released and before the caller answers.
    /// </summary>
    public async Task<T> UpdateAsync<T>(string origin, Func<string?, (string? Keep, T Result)> decide, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            OwnerOnlyFiles.EnsureDirectory(Path.Combine(Directory, "logs"));
            await using var crossProcess = await LockAsync(ct);
            var (keep, result) = decide(Latest(origin));
            if (keep is not null)
            {
                var path = PathOf(origin);
                var temporary = path + ".tmp";
                await using (var file = new FileStream(temporary, OwnerOnlyFiles.CreateOptions(FileMode.Create)))
                {
                    await file.WriteAsync(Encoding.UTF8.GetBytes(keep), ct);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temporary, path, overwrite: true);
            }
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FileStream> LockAsync(CancellationToken ct)
    {
        var path = Path.Combine(Directory, "state.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Another witness process holds the directory for its own update: wait for it.
                await Task.Delay(10, ct);
            }
        }
    }

    private string PathOf(string origin) =>
        Path.Combine(Directory, "logs", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(origin)), 0, 8).ToLowerInvariant() + ".checkpoint");
}
