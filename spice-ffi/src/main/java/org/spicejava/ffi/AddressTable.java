package org.spicejava.ffi;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * A few values keyed by a native address: the host's pointers to our server and its device instances. Every export
 * looks one up, from any thread, so a lookup takes no lock and boxes nothing (a scan of a short array that is
 * replaced whole); adding and removing, rare, copy it under the table's lock.
 */
final class AddressTable<V> {
    /** Keys and values in step, replaced together. */
    private static final class Entries {
        final long[] keys;
        final Object[] values;

        Entries(long[] keys, Object[] values) {
            this.keys = keys;
            this.values = values;
        }
    }

    private volatile Entries entries = new Entries(new long[0], new Object[0]);

    @SuppressWarnings("unchecked")
    V get(long key) {
        Entries e = entries;
        int at = indexOf(e, key);
        return at < 0 ? null : (V) e.values[at];
    }

    /** Adds or replaces the value for {@code key}. */
    synchronized void put(long key, V value) {
        Entries e = entries;
        int at = indexOf(e, key);
        if (at < 0) {
            at = e.keys.length;
            e = new Entries(Arrays.copyOf(e.keys, at + 1), Arrays.copyOf(e.values, at + 1));
        } else {
            e = new Entries(e.keys.clone(), e.values.clone());
        }
        e.keys[at] = key;
        e.values[at] = value;
        entries = e;
    }

    /** Removes and returns the value for {@code key}, or null. */
    @SuppressWarnings("unchecked")
    synchronized V remove(long key) {
        Entries e = entries;
        int at = indexOf(e, key);
        if (at < 0) {
            return null;
        }
        entries = without(e, i -> i == at);
        return (V) e.values[at];
    }

    @SuppressWarnings("unchecked")
    synchronized void removeIf(Predicate<? super V> drop) {
        Entries e = entries;
        entries = without(e, i -> drop.test((V) e.values[i]));
    }

    /** A copy of {@code e} without the entries whose index {@code drop} accepts. */
    private static Entries without(Entries e, IntPredicate drop) {
        long[] keys = new long[e.keys.length];
        Object[] values = new Object[e.keys.length];
        int kept = 0;
        for (int i = 0; i < e.keys.length; i++) {
            if (!drop.test(i)) {
                keys[kept] = e.keys[i];
                values[kept++] = e.values[i];
            }
        }
        return new Entries(Arrays.copyOf(keys, kept), Arrays.copyOf(values, kept));
    }

    private static int indexOf(Entries e, long key) {
        for (int i = 0; i < e.keys.length; i++) {
            if (e.keys[i] == key) {
                return i;
            }
        }
        return -1;
    }
}
