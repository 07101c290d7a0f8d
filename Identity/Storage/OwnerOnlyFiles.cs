using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace DataVault.Identity.Storage;

/// <summary>
/// The data directory and the embedded stores in it are readable by the vault's own account only:
/// directory 0700, database files 0600 (issue 14, item 9). SQLite gives its <c>-wal</c> and
/// <c>-shm</c> files the mode of the database file, so creating that file 0600 before SQLite first
/// opens it covers all three. A store made before this existed is tightened at each start
/// (<see cref="TightenDataDirectory"/>). No-op on Windows, where ACLs inherited from the parent decide.
/// </summary>
public static class OwnerOnlyFiles
{
    public const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Each path is prepared once per process: contexts are created per request.
    private static readonly ConcurrentDictionary<string, string> Prepared = new(StringComparer.Ordinal);

    /// <summary>The full path of <paramref name="fileName"/> in <paramref name="dataDirectory"/>, both created owner-only if missing.</summary>
    public static string SqliteStore(string dataDirectory, string fileName) =>
        Prepared.GetOrAdd(Path.GetFullPath(Path.Combine(dataDirectory, fileName)), static path =>
        {
            EnsureDirectory(Path.GetDirectoryName(path)!);
            if (!OperatingSystem.IsWindows() && !File.Exists(path))
            {
                try
                {
                    using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = File0600 });
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Another process created it first, with the same mode.
                }
            }
            return path;
        });

    /// <summary>
    /// Tightens a data directory an operator (or an older version) left readable: the directory and
    /// every directory below it to 0700, every file in them to 0600 (except key files, see below). Run at each start, before the
    /// stores are opened, so a copy made with a permissive umask is closed by the next restart.
    /// </summary>
    public static void TightenDataDirectory(string dataDirectory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(dataDirectory))
        {
            return;
        }
        Tighten(dataDirectory, Directory0700);
        foreach (var directory in Directory.EnumerateDirectories(dataDirectory, "*", SearchOption.AllDirectories))
        {
            Tighten(directory, Directory0700);
        }
        var keys = Path.Combine(Path.GetFullPath(dataDirectory), "keys") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories))
        {
            // Key files are not mended: a key file found readable by others may already have been
            // read, and its provider refuses to start so that an operator rotates it.
            if (!Path.GetFullPath(file).StartsWith(keys, StringComparison.Ordinal))
            {
                Tighten(file, File0600);
            }
        }
    }

    /// <summary>Options to create a file for writing that only its owner can read (0600 from its first byte on Unix).</summary>
    public static FileStreamOptions CreateOptions(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = File0600;
        }
        return options;
    }

    /// <summary>
    /// Creates <paramref name="path"/> (0600 from its first byte) holding exactly
    /// <paramref name="content"/>, unless a file is already there; returns false when another
    /// process got there first, and then its file is complete. Used for key files that several
    /// nodes may create at the same moment on one data directory: the content goes to a private
    /// temporary file, is flushed, and is then linked into place. A reader therefore never sees a
    /// half-written key, and exactly one writer wins.
    /// </summary>
    /// <exception cref="IOException">The file could not be created for another reason.</exception>
    public static bool CreateCompleteOrKeepExisting(string path, ReadOnlySpan<byte> content)
    {
        // Created 0700 when missing; an existing folder (an operator's choice) is left as it is.
        CreateDirectory0700(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, CreateOptions(FileMode.CreateNew)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            return LinkIntoPlace(temporary, path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // On Unix, File.Move without overwrite checks and then renames, and rename replaces: two
    // processes could each keep their own key. link(2) fails with EEXIST instead. On Windows,
    // MoveFileEx without replace is atomic.
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
        return errno == EExist ? false : throw new IOException($"{path} could not be created (errno {errno}).");
    }

    private const int EExist = 17;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code for string marshalling; one call per key file at first start.
    private static extern int UnixLink([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054

    /// <summary>Creates <paramref name="path"/> as 0700, or tightens it to 0700 when it exists.</summary>
    public static void EnsureDirectory(string path)
    {
        CreateDirectory0700(path);
        Tighten(path, Directory0700);
    }

    /// <summary>Creates <paramref name="path"/> as 0700 when it is missing (on Windows, with inherited ACLs); an existing one is left as it is.</summary>
    private static void CreateDirectory0700(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, Directory0700);
        }
    }

    private static void Tighten(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows() || !Path.Exists(path))
        {
            return;
        }
        // Only ever removes bits: an operator who made it stricter keeps it stricter.
        var current = File.GetUnixFileMode(path);
        if ((current & ~mode) != 0)
        {
            File.SetUnixFileMode(path, current & mode);
        }
    }
}
