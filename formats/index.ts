/**
 * Every named log format, in the reference's `FORMATS` dict order. The order decides detection ties (the earlier
 * format wins), so it is part of the behaviour, not cosmetics.
 */
import type {FormatDefinition} from '../source/parse/format.js';
import amazonCloudfront from './amazon-cloudfront.js';
import caddyJson from './caddy-json.js';
import commonComplete from './common-complete.js';
import commonVhost from './common-vhost.js';
import common from './common.js';
import elb from './elb.js';
import gandi from './gandi.js';
import haproxy from './haproxy.js';
import icecast2 from './icecast2.js';
import iis from './iis.js';
import incapsulaW3c from './incapsula-w3c.js';
import ncsaExtended from './ncsa-extended.js';
import nginxJson from './nginx-json.js';
import ovh from './ovh.js';
import s3 from './s3.js';
import shoutcast from './shoutcast.js';
import traefikJson from './traefik-json.js';
import w3cExtended from './w3c-extended.js';

export const formats: readonly FormatDefinition[] = [
	common,
	commonVhost,
	ncsaExtended,
	commonComplete,
	w3cExtended,
	amazonCloudfront,
	incapsulaW3c,
	iis,
	shoutcast,
	s3,
	icecast2,
	elb,
	traefikJson,
	nginxJson,
	caddyJson,
	ovh,
	haproxy,
	gandi,
];

const byName = new Map(formats.map(format => [format.name, format]));

/** The format named by `--log-format-name`, or undefined for an unknown name. */
export function formatByName(name: string): FormatDefinition | undefined {
	return byName.get(name);
}
