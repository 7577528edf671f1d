using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace ContactCenter.Desktop.Web;

/// <summary>
/// The browser UI (HTML, CSS and the esbuild bundles), embedded in this assembly at build time
/// under the logical names <c>desktop/...</c> and held in memory with a strong ETag each.
/// </summary>
/// <remarks>
/// Embedded rather than served as static web assets: a referenced project's static web assets
/// are only served in Development or after publish, whereas an embedded copy is served the same
/// way by the host, the tests and a published image, with no middleware for the host to add.
/// </remarks>
internal sealed class DesktopAssets
{
    private const string Prefix = "desktop/";

    private readonly FrozenDictionary<string, Asset> assets;

    public DesktopAssets()
    {
        var assembly = typeof(DesktopAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var found = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var bytes = Read(assembly, name);
            var path = name[Prefix.Length..];
            var contentType = types.TryGetContentType(path, out var type) ? type : "application/octet-stream";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || path.EndsWith(".js", StringComparison.Ordinal))
            {
                contentType += "; charset=utf-8";
            }

            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            found[path] = new Asset(bytes, contentType, etag);
        }

        assets = found.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public bool TryGet(string path, out Asset asset) => assets.TryGetValue(path, out asset!);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
