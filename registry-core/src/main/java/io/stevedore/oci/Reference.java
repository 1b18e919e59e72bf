package io.stevedore.oci;

/**
 * What follows {@code /manifests/} in a URL: either a tag or a digest. Exactly one is set.
 */
public record Reference(Tag tag, Digest digest) {

    public Reference {
        if ((tag == null) == (digest == null)) {
            throw new IllegalArgumentException("a reference is a tag or a digest");
        }
    }

    public static Reference parse(String text) {
        if (text != null && Digest.looksLikeDigest(text)) {
            return new Reference(null, Digest.parse(text));
        }
        return new Reference(new Tag(text), null);
    }

    public boolean isDigest() {
        return digest != null;
    }

    @Override
    public String toString() {
        return isDigest() ? digest.toString() : tag.toString();
    }
}
