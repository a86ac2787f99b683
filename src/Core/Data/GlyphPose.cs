namespace Cltool.Core.Data;

/// <summary>Where and how a glyph is drawn: its larger side in pixels, rotation in degrees, offset from the centre.</summary>
public readonly record struct GlyphPose(float Extent, float AngleDegrees = 0, float Dx = 0, float Dy = 0, bool Embolden = false);
