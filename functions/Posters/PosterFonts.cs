using SkiaSharp;

namespace ServerlessCommerce.Functions.Posters;

/// <summary>
/// The poster's typefaces: Noto Sans SC (SIL OFL 1.1), regular and bold, embedded in this assembly at build from
/// infra/node_modules/@fontsource/noto-sans-sc. Never the machine's fonts: Azure's Linux images have no CJK font, so
/// Chinese text would come out as empty boxes. Loaded once; a typeface is immutable and safe to share across threads.
/// </summary>
public sealed class PosterFonts : IDisposable
{
    public PosterFonts()
    {
        Regular = Load("fonts/noto-sans-sc-400.woff");
        Bold = Load("fonts/noto-sans-sc-700.woff");
    }

    public SKTypeface Regular { get; }

    public SKTypeface Bold { get; }

    /// <summary>True when the regular face has a real glyph (not .notdef) for every character of the text.</summary>
    public bool CanDraw(string text)
    {
        using var font = new SKFont(Regular);
        return font.ContainsGlyphs(text);
    }

    public void Dispose()
    {
        Regular.Dispose();
        Bold.Dispose();
    }

    private static SKTypeface Load(string resource)
    {
        using var stream = typeof(PosterFonts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The poster font {resource} is not embedded: build after 'npm ci' in infra/.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"The poster font {resource} could not be read.");
    }
}
