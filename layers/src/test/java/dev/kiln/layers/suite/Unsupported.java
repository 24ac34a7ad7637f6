package dev.kiln.layers.suite;

/** The replayer has no Kiln counterpart for a torch call (or for one of its arguments or dtypes). */
final class Unsupported extends RuntimeException {
    Unsupported(String message) {
        super(message, null, false, false);
    }
}
