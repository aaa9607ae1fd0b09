using System.Security.Cryptography;
using System.Text;

namespace ServerlessCommerce.Streaming;

/// <summary>
/// Seals a provider's signing keys for storage. They must be read back to sign URLs, so they cannot be hashed: each is
/// encrypted with AES-256-GCM under a key derived (HKDF-SHA256, its own label) from the <c>TokenSigningKey</c> setting,
/// with a random 96-bit nonce, and bound to its chain and field as associated data, so a sealed key copied to another
/// chain's row or field does not open. Stored as <c>v1.</c> + base64url(nonce ‖ tag ‖ ciphertext). Changing
/// <c>TokenSigningKey</c> makes stored keys unreadable: the admin enters them again.
/// </summary>
public sealed class StreamKeyProtector(byte[] secret)
{
    private const string Version = "v1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: "serverless-commerce/stream-provider-keys/v1"u8.ToArray());

    public string Seal(string plaintext, string chainId, string field)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + TagSize + data.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Aad(chainId, field));
        return Version + Convert.ToBase64String(sealedBytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The key, or null when it does not open (another <c>TokenSigningKey</c>, another chain or field, tampering).</summary>
    public string? Open(string? sealedText, string chainId, string field)
    {
        if (sealedText is null || !sealedText.StartsWith(Version, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var b64 = sealedText[Version.Length..].Replace('-', '+').Replace('_', '/');
            var bytes = Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
            if (bytes.Length < NonceSize + TagSize)
            {
                return null;
            }

            var plain = new byte[bytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize + TagSize), bytes.AsSpan(NonceSize, TagSize), plain, Aad(chainId, field));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static byte[] Aad(string chainId, string field) => Encoding.UTF8.GetBytes($"{chainId}/stream-provider/{field}");
}
