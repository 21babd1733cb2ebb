/** The reference importer's lists, copied exactly: what counts as static, a download or a bot. */

export const staticExtensions: ReadonlySet<string> = new Set('gif jpg jpeg png bmp ico svg svgz ttf otf eot woff woff2 class swf css js xml webp'.split(' '));

export const staticFiles: ReadonlySet<string> = new Set(['robots.txt']);

export const defaultDownloadExtensions: readonly string[] = (
	'7z aac arc arj asf asx avi bin csv deb dmg doc docx exe flac flv gz gzip hqx ibooks jar json mpg mp2 mp3 mp4 mpeg ' +
	'mov movie msi msp odb odf odg odp ods odt ogg ogv pdf phps ppt pptx qt qtm ra ram rar rpm rtf sea sit tar tbz ' +
	'bz2 tgz torrent txt wav webm wma wmv wpd xls xlsx xml xsd z zip azw3 epub mobi apk md5 sig'
).split(' ');

/** Lower-case substrings of user agents that mark a bot. */
export const defaultExcludedUserAgents: readonly string[] = [
	'adsbot-google',
	'ask jeeves',
	'baidubot',
	'bot-',
	'bot/',
	'ccooter/',
	'crawl',
	'curl',
	'echoping',
	'exabot',
	'feed',
	'googlebot',
	'ia_archiver',
	'java/',
	'libwww',
	'mediapartners-google',
	'msnbot',
	'netcraftsurvey',
	'panopta',
	'pingdom.com_bot_',
	'robot',
	'spider',
	'surveybot',
	'twiceler',
	'voilabot',
	'yahoo',
	'yandex',
	'zabbix',
	'googlestackdrivermonitoring',
];

/** Whether the user agent holds one of the reference's bot substrings (`needles`: lower case, --useragent-exclude's too). */
export function hasBotSubstring(userAgent: string, needles: readonly string[]): boolean {
	const lower = userAgent.toLowerCase();
	for (const needle of needles) if (lower.includes(needle)) return true;
	return false;
}
