namespace DataVault.Vault.ResidentApi;

/// <summary>The resident API's operational log: ids, field keys and counts, never a value (the access log records the accesses).</summary>
internal sealed partial class ResidentApiLog
{
    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Lookup by {Kind} from {Caller}: {Count} resident(s) within reach")]
    public static partial void Lookup(ILogger logger, string caller, string kind, int count);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Resident {ResidentId} created by {Caller} (version {Version})")]
    public static partial void Created(ILogger logger, string residentId, string caller, int version);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Resident {ResidentId} updated by {Caller} to version {Version}: {Fields}")]
    public static partial void Updated(ILogger logger, string residentId, string caller, int version, string fields);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Information, Message = "Field {Field} of resident {ResidentId} revealed to {Caller} (log {LogId}#{Index})")]
    public static partial void Revealed(ILogger logger, string field, string residentId, string caller, string logId, long index);
}
