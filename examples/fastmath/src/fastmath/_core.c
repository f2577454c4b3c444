/* fastmath._core: small functions that exercise the CPython C API in wasm. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

/* fib(n) -> int: the n-th Fibonacci number; n must be in [0, 92]. */
static PyObject *fib(PyObject *self, PyObject *args) {
    long long n;
    if (!PyArg_ParseTuple(args, "L", &n)) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "fib() argument must be >= 0");
        return NULL;
    }
    if (n > 92) {
        PyErr_SetString(PyExc_OverflowError, "fib() argument must be <= 92 (int64 limit)");
        return NULL;
    }
    int64_t a = 0, b = 1;
    for (long long i = 0; i < n; i++) {
        int64_t next = a + b;
        a = b;
        b = next;
    }
    return PyLong_FromLongLong(a);
}

/* primes(limit) -> list[int]: primes below limit, by sieve. */
static PyObject *primes(PyObject *self, PyObject *args) {
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "n", &limit)) return NULL;
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "primes() limit must be >= 0");
        return NULL;
    }
    PyObject *result = PyList_New(0);
    if (result == NULL || limit < 2) return result;
    char *composite = calloc((size_t)limit, 1);
    if (composite == NULL) {
        Py_DECREF(result);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 2; i < limit; i++) {
        if (composite[i]) continue;
        PyObject *value = PyLong_FromSsize_t(i);
        if (value == NULL || PyList_Append(result, value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(result);
            free(composite);
            return NULL;
        }
        Py_DECREF(value);
        for (Py_ssize_t j = i * i; j < limit; j += i) composite[j] = 1;
    }
    free(composite);
    return result;
}

/* greet(name) -> str: a greeting; empty names are refused. */
static PyObject *greet(PyObject *self, PyObject *args) {
    const char *name;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "s#", &name, &length)) return NULL;
    if (length == 0) {
        PyErr_SetString(PyExc_ValueError, "greet() needs a non-empty name");
        return NULL;
    }
    return PyUnicode_FromFormat("Hello, %s!", name);
}

/* reverse_bytes(data) -> bytes */
static PyObject *reverse_bytes(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, view.len);
    if (out != NULL) {
        char *dst = PyBytes_AS_STRING(out);
        const char *src = view.buf;
        for (Py_ssize_t i = 0; i < view.len; i++) dst[i] = src[view.len - 1 - i];
    }
    PyBuffer_Release(&view);
    return out;
}

/* checksum(data) -> int: Adler-32 of a bytes-like object. */
static PyObject *checksum(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    uint32_t a = 1, b = 0;
    const unsigned char *data = view.buf;
    for (Py_ssize_t i = 0; i < view.len; i++) {
        a = (a + data[i]) % 65521;
        b = (b + a) % 65521;
    }
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong((unsigned long)((b << 16) | a));
}

static PyMethodDef methods[] = {
    {"fib", fib, METH_VARARGS, "fib(n) -> the n-th Fibonacci number."},
    {"primes", primes, METH_VARARGS, "primes(limit) -> list of primes below limit."},
    {"greet", greet, METH_VARARGS, "greet(name) -> greeting string."},
    {"reverse_bytes", reverse_bytes, METH_VARARGS, "reverse_bytes(data) -> reversed bytes."},
    {"checksum", checksum, METH_VARARGS, "checksum(data) -> Adler-32 checksum."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "fastmath._core", "Small functions implemented in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
