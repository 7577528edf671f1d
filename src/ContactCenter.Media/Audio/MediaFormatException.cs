namespace ContactCenter.Media.Audio;

/// <summary>A prompt or recording file the engine cannot use; the message names the file and the problem.</summary>
public sealed class MediaFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MediaFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MediaFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MediaFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
