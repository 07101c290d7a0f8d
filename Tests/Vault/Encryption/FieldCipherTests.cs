using System.Text;
using DataVault.Tests.Vault.Keys;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Encryption;

public sealed class FieldCipherTests : IAsyncLifetime
{
    // Canary values: synthetic, but treated as the L3/L4 values they stand for (never in messages).
    private const string Name = "欧阳测试金丝雀";
    private const string IdNumber = "51010719800101001X";
    private static readonly FieldSlot NameSlot = new("r-0001", "name", "510107001007", SensitivityLevel.L3);
    private static readonly FieldSlot IdSlot = new("r-0001", "id_number", "510107001007", SensitivityLevel.L4);

    private KeyRingHarness _vault = null!;

    // The AES suite, named: these tests pin its envelope layout, also when the whole suite runs with Encryption__Suite=Sm.
    public async ValueTask InitializeAsync() => _vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?> { ["Encryption:Suite"] = "Aes" });

    public async ValueTask DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public void SealString_ThenOpenString_ReturnsTheValue()
    {
        var envelope = _vault.Cipher.SealString(NameSlot, Name);

        Assert.Equal(Name, _vault.Cipher.OpenString(NameSlot, envelope));
        Assert.Equal(-1, envelope.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Name)));
    }

    [Fact]
    public void Seal_EmptyValue_RoundTrips()
    {
        var envelope = _vault.Cipher.Seal(NameSlot, []);

        Assert.Empty(_vault.Cipher.Open(NameSlot, envelope));
    }

    [Fact]
    public void Seal_SameValueTwice_GivesDifferentEnvelopes()
    {
        var first = _vault.Cipher.SealString(IdSlot, IdNumber);
        var second = _vault.Cipher.SealString(IdSlot, IdNumber);

        // Random 96-bit nonces: equal values must not be recognisable as equal at rest.
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Seal_Envelope_HasTheDocumentedLayout()
    {
        var plaintext = Encoding.UTF8.GetBytes(IdNumber);

        var envelope = _vault.Cipher.Seal(IdSlot, plaintext);

        const string keyId = "dk-L4-510107-v1";
        Assert.Equal(1, envelope[0]);                                   // format version
        Assert.Equal((byte)EnvelopeAlgorithm.Aes256Gcm, envelope[1]);   // algorithm id
        Assert.Equal(keyId.Length, envelope[2]);                        // key id length
        Assert.Equal(keyId, Encoding.ASCII.GetString(envelope, 3, keyId.Length));
        Assert.Equal(3 + keyId.Length + 12 + plaintext.Length + 16, envelope.Length);
        Assert.Equal(keyId, FieldCipher.KeyIdOf(envelope));
    }

    [Fact]
    public void Open_AnySingleByteFlipped_ThrowsEnvelopeExceptionNamingTheSlotNotTheValue()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);

        foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (var i = 0; i < envelope.Length; i++)
            {
                var tampered = (byte[])envelope.Clone();
                tampered[i] ^= mask;

                var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, tampered));

                Assert.Equal("r-0001", e.RecordId);
                Assert.Equal("id_number", e.FieldKey);
                Assert.Contains("field 'id_number' of record 'r-0001'", e.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(IdNumber, e.ToString(), StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("510107198001", e.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Open_TamperedCiphertext_ReportsAuthenticationFailure()
    {
        var envelope = _vault.Cipher.SealString(NameSlot, Name);
        envelope[^20] ^= 0x01;

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(NameSlot, envelope));

        Assert.Equal(EnvelopeFailure.AuthenticationFailed, e.Reason);
        Assert.Equal(
            "Cannot open field 'name' of record 'r-0001': authentication failed: the envelope was tampered with, or it belongs to another record, field, jurisdiction or level.",
            e.Message);
    }

    [Fact]
    public void Open_Truncated_ReportsMalformed()
    {
        var envelope = _vault.Cipher.SealString(NameSlot, Name);

        foreach (var length in new[] { 0, 2, 10, 3 + 15 + 12 + 15 })
        {
            var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(NameSlot, envelope.AsSpan(0, length)));
            Assert.Equal(EnvelopeFailure.Malformed, e.Reason);
        }
    }

    public static TheoryData<string, FieldSlot, EnvelopeFailure> MovedSlots => new()
    {
        { "another record", IdSlot with { RecordId = "r-0002" }, EnvelopeFailure.AuthenticationFailed },
        { "another field", IdSlot with { FieldKey = "bank_account" }, EnvelopeFailure.AuthenticationFailed },
        { "another community of the same district", IdSlot with { JurisdictionCode = "510107001008" }, EnvelopeFailure.AuthenticationFailed },
        { "a grid of the same community", IdSlot with { JurisdictionCode = "510107001007-03" }, EnvelopeFailure.AuthenticationFailed },
        { "another district", IdSlot with { JurisdictionCode = "510108001007" }, EnvelopeFailure.KeyNotForSlot },
        { "another level", IdSlot with { Level = SensitivityLevel.L5 }, EnvelopeFailure.KeyNotForSlot },
    };

    [Theory]
    [MemberData(nameof(MovedSlots))]
    public void Open_EnvelopeMovedToAnotherSlot_Fails(string movedTo, FieldSlot target, EnvelopeFailure expected)
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(target, envelope));

        Assert.True(expected == e.Reason, $"moved to {movedTo}: expected {expected}, got {e.Reason}");
        Assert.Equal(target.RecordId, e.RecordId);
    }

    [Fact]
    public void Open_MovedToSameLevelOtherDistrictWithItsOwnKey_IsRefusedAsKeyNotForSlot()
    {
        // Both districts have keys; the moved envelope still names the first district's key.
        var other = IdSlot with { RecordId = "r-9000", JurisdictionCode = "510108001001" };
        _ = _vault.Cipher.SealString(other, "x");
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(other, envelope));

        Assert.Equal(EnvelopeFailure.KeyNotForSlot, e.Reason);
        Assert.Equal("dk-L4-510107-v1", e.KeyId);
    }

    [Fact]
    public void Open_SlotEncodingIsLengthPrefixed_ShiftedBoundaryFails()
    {
        // ("r-00", "01name") and ("r-0001", "name") concatenate to the same text; length prefixes keep them apart.
        var a = new FieldSlot("r-00", "01name", "510107001007", SensitivityLevel.L3);
        var b = new FieldSlot("r-0001", "name", "510107001007", SensitivityLevel.L3);
        var envelope = _vault.Cipher.SealString(a, Name);

        Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(b, envelope));
    }

    [Fact]
    public async Task Open_KeyIdSwappedForAnotherVersionOfTheSameScope_FailsAuthentication()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);
        await _vault.KeyRing.RotateAsync(SensitivityLevel.L4, "510107", TestContext.Current.CancellationToken);
        Assert.Equal("dk-L4-510107-v2", FieldCipher.KeyIdOf(_vault.Cipher.SealString(IdSlot, IdNumber)));

        // Same length, so the layout still parses; the key exists and fits the slot, but the
        // header is part of the associated data.
        var swapped = (byte[])envelope.Clone();
        Encoding.ASCII.GetBytes("dk-L4-510107-v2").CopyTo(swapped, 3);
        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, swapped));

        Assert.Equal(EnvelopeFailure.AuthenticationFailed, e.Reason);
        Assert.Equal("dk-L4-510107-v2", e.KeyId);
    }

    [Fact]
    public void Open_UnknownKeyId_SaysSoAndNamesTheKey()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);
        Encoding.ASCII.GetBytes("dk-L4-510107-v9").CopyTo(envelope, 3);

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, envelope));

        Assert.Equal(EnvelopeFailure.UnknownKey, e.Reason);
        Assert.Equal("Cannot open field 'id_number' of record 'r-0001': the key id 'dk-L4-510107-v9' is not in the key ring.", e.Message);
    }

    [Fact]
    public void Open_UnknownAlgorithmId_IsRefusedAsUnsupported()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);
        envelope[1] = 3;

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, envelope));

        Assert.Equal(EnvelopeFailure.UnsupportedAlgorithm, e.Reason);
        Assert.Equal("Cannot open field 'id_number' of record 'r-0001': the envelope's algorithm id is not supported by this build.", e.Message);
    }

    [Fact]
    public void Open_AesEnvelopeRelabelledSm4_IsRefusedAsTampered()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);
        envelope[1] = (byte)EnvelopeAlgorithm.Sm4Gcm;

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, envelope));

        Assert.Equal(EnvelopeFailure.AuthenticationFailed, e.Reason);
    }

    [Fact]
    public void Open_UnknownFormatVersion_IsRefusedAsUnsupported()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);
        envelope[0] = 2;

        var e = Assert.Throws<EnvelopeException>(() => _vault.Cipher.Open(IdSlot, envelope));

        Assert.Equal(EnvelopeFailure.UnsupportedVersion, e.Reason);
    }

    [Fact]
    public void KeyIdOf_NotAnEnvelope_ThrowsFormatException()
    {
        var e = Assert.Throws<FormatException>(() => FieldCipher.KeyIdOf("hello"u8));

        Assert.Equal("Not a readable DataVault field envelope (UnsupportedVersion).", e.Message);
    }

    [Fact]
    public void Seal_SlotWithoutDistrictCode_IsRejected()
    {
        var bad = NameSlot with { JurisdictionCode = "5101" };

        Assert.Throws<ArgumentException>(() => _vault.Cipher.SealString(bad, Name));
    }

    [Fact]
    public async Task Open_AfterRestartOnTheSameDataDirectory_ReturnsTheValue()
    {
        var envelope = _vault.Cipher.SealString(IdSlot, IdNumber);

        await using var restarted = await _vault.StartNodeAsync();

        Assert.Equal(IdNumber, restarted.Cipher.OpenString(IdSlot, envelope));
    }

    [Fact]
    public async Task Seal_ManyThreadsAtOnce_EveryValueOpens()
    {
        var slots = Enumerable.Range(0, 400).Select(i => new FieldSlot($"r-{i:D5}", "phone", i % 2 == 0 ? "510107001007" : "510108002003", SensitivityLevel.L3)).ToArray();
        var envelopes = new byte[slots.Length][];

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < slots.Length; i += 4)
            {
                envelopes[i] = _vault.Cipher.SealString(slots[i], $"1380013{i:D4}");
            }
        }, TestContext.Current.CancellationToken)));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < slots.Length; i += 4)
            {
                Assert.Equal($"1380013{i:D4}", _vault.Cipher.OpenString(slots[i], envelopes[i]));
            }
        }, TestContext.Current.CancellationToken)));
    }
}

public sealed class NonceSourceTests
{
    [Fact]
    public void Fill_ManyNoncesAcrossBatchBoundaries_AreAllDistinctAndNonZero()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Span<byte> nonce = stackalloc byte[12];
        for (var i = 0; i < 1000; i++)
        {
            nonce.Clear();
            NonceSource.Fill(nonce);
            Assert.True(seen.Add(Convert.ToHexString(nonce)), $"nonce {i} repeated");
            Assert.True(nonce.ContainsAnyExcept((byte)0), $"nonce {i} is all zero");
        }
    }
}
