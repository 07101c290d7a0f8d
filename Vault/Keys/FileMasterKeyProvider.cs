using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

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

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

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
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        var key = RandomNumberGenerator.GetBytes(MasterKey.Size);
        var text = new byte[Base64.GetMaxEncodedToUtf8Length(MasterKey.Size) + 1];
        try
        {
            Base64.EncodeToUtf8(key, text, out _, out var written);
            text[written] = (byte)'\n';
            // Written to a private temporary file and then linked into place without overwriting,
            // so a node starting at the same moment sees either no key file or a complete one.
            var temporary = $"{Path}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Created with 0600 from the first byte, not chmod-ed afterwards: no window in which the key is readable.
                options.UnixCreateMode = OwnerOnlyFile;
            }
            try
            {
                using (var stream = new FileStream(temporary, options))
                {
                    stream.Write(text, 0, written + 1);
                    stream.Flush(flushToDisk: true);
                }
                if (!LinkIntoPlace(temporary, Path))
                {
                    return; // Another process created it first: use theirs.
                }
                LogCreated(logger, Path);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>
    /// Puts the finished file at <paramref name="path"/> unless one is already there, atomically.
    /// On Unix, File.Move without overwrite checks and then renames, and rename replaces: two
    /// nodes starting together could each keep their own master key. link(2) fails with EEXIST
    /// instead, so exactly one key file wins. On Windows, MoveFileEx without replace is atomic.
    /// </summary>
    private static bool LinkIntoPlace(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        if (UnixLink(temporary, path) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == EExist
            ? false
            : throw new MasterKeyException($"The master key file {path} could not be created (errno {errno}).");
    }

    private const int EExist = 17;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code for string marshalling; one call at first start.
    private static extern int UnixLink([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054

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
