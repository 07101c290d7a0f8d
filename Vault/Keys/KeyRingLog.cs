namespace DataVault.Vault.Keys;

/// <summary>Key life-cycle events: key ids, scopes and counts only, never key material.</summary>
internal static partial class KeyRingLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Created key {KeyId} (scope {Scope}, version {Version}, {Reason})")]
    public static partial void KeyCreated(ILogger logger, string keyId, string scope, int version, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Key {KeyId} no longer encrypts ({Reason}); values sealed with it stay readable")]
    public static partial void KeyDeactivated(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Key {KeyId} reached its usage limit of {Limit} encryptions (NIST SP 800-38D §8.3); rolling over to a new version")]
    public static partial void UsageLimitReached(ILogger logger, string keyId, long limit);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Retired key {KeyId}: its material is erased")]
    public static partial void KeyRetired(ILogger logger, string keyId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Re-wrapped {Count} keys from master key {OldMasterKeyId} to {NewMasterKeyId}")]
    public static partial void Rewrapped(ILogger logger, int count, string oldMasterKeyId, string newMasterKeyId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Master key {MasterKeyId} loaded from {Source}")]
    public static partial void MasterKeyLoaded(ILogger logger, string masterKeyId, string source);
}
