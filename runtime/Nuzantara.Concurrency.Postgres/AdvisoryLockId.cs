using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nuzantara.Concurrency.Postgres;

/// <summary>
/// The PostgreSQL advisory lock a key maps to: the two-integer form <c>pg_advisory_lock(KeySpace, Hash)</c>.
/// </summary>
/// <param name="KeySpace">The lock's <see cref="PostgresLockOptions.KeySpace"/>.</param>
/// <param name="Hash">The first four bytes, big-endian, of the SHA-256 of the key's UTF-8 string form.</param>
/// <remarks>
/// <para>In <c>pg_locks</c> such a lock shows as <c>locktype = 'advisory'</c>, <c>classid = KeySpace</c>,
/// <c>objid = Hash</c> (both as unsigned 32-bit values) and <c>objsubid = 2</c>.</para>
/// <para>The mapping is fixed (a test pins it), because processes of two versions that mapped a key differently
/// would not exclude each other. Two different keys of one key space share an id with a probability of one in
/// 2<sup>32</sup> per pair; such keys only serialize each other, exclusion never breaks.</para>
/// </remarks>
public readonly record struct AdvisoryLockId(int KeySpace, int Hash)
{
    private const int StackLimit = 256;

    /// <summary>Maps a key's string form to its advisory lock id in <paramref name="keySpace"/>.</summary>
    /// <param name="keySpace">The key space (<see cref="PostgresLockOptions.KeySpace"/>).</param>
    /// <param name="key">The key's string form, as <see cref="PostgresKeyedAsyncLock{TKey}.GetLockId(TKey)"/> formats it.</param>
    /// <returns>The advisory lock id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public static AdvisoryLockId FromString(int keySpace, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var length = Encoding.UTF8.GetByteCount(key);
        byte[]? rented = null;
        var bytes = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(key, bytes);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], digest);
            return new AdvisoryLockId(keySpace, BinaryPrimitives.ReadInt32BigEndian(digest));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Formats the id as PostgreSQL prints the arguments: <c>(KeySpace, Hash)</c>.</summary>
    /// <returns>The id as text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({KeySpace}, {Hash})");
}
