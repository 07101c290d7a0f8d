using System.Buffers.Text;
using System.Security.Cryptography;
using DataVault.Identity.Storage;

namespace DataVault.Vault.Keys;

/// <summary>
/// The embedded default: a key file (base64 of 32 random bytes) under the data directory,
/// created on first run with owner-only permissions (0600, in a 0700 directory). On Unix the
/// provider refuses a file that group or others could read or write: a master key that other
/// accounts can read protects nothing, so failing to start is the safe outcome.
/// </summary>
internal sealed partial class FileMasterKeyProvider(string path, ILogger<FileMasterKeyProvider> logger) : IMasterKeyProvider
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string Source => $"key file {Path}";

    public byte[] GetMasterKey()
    {
        if (!File.Exists(Path))
        {
            TryCreate();
        }
        CheckPermissions();

        byte[] text;
        try
        {
            text = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"The master key file {Path} cannot be read: {e.Message}");
        }
        try
        {
            var key = new byte[MasterKey.Size];
            var trimmed = text.AsSpan().TrimEnd("\r\n \t"u8);
            if (Base64.DecodeFromUtf8(trimmed, key, out _, out var written) != System.Buffers.OperationStatus.Done || written != MasterKey.Size)
            {
                CryptographicOperations.ZeroMemory(key);
                throw new MasterKeyException($"The master key file {Path} does not hold a base64-encoded 256-bit key.");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }

    private void TryCreate()
    {
        var key = RandomNumberGenerator.GetBytes(MasterKey.Size);
        var text = new byte[Base64.GetMaxEncodedToUtf8Length(MasterKey.Size) + 1];
        try
        {
            Base64.EncodeToUtf8(key, text, out _, out var written);
            text[written] = (byte)'\n';
            // A node starting at the same moment sees either no key file or a complete one, and
            // exactly one key wins; the loser reads the winner's.
            if (OwnerOnlyFiles.CreateCompleteOrKeepExisting(Path, text.AsSpan(0, written + 1)))
            {
                LogCreated(logger, Path);
            }
        }
        catch (IOException e)
        {
            throw new MasterKeyException($"The master key file {Path} could not be created: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(text);
        }
    }

    private void CheckPermissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // ACLs, not mode bits: out of scope for the embedded default (docs/encryption.md).
        }
        var mode = File.GetUnixFileMode(Path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new MasterKeyException(
                $"Refusing to start: the master key file {Path} is accessible by group or others (mode {Octal(mode)}). " +
                $"Restrict it to its owner (chmod 600 {Path}) and start again.");
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Created a new master key file at {Path} (owner-only). Back it up: without it no value in this vault can be decrypted.")]
    private static partial void LogCreated(ILogger logger, string path);
}
