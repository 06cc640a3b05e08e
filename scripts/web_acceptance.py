#!/usr/bin/env python3
"""Drives a running Scribe server with a real headless Chromium (Selenium), as a person would:
signs up, imports a card, publishes it, finds it in the marketplace, opens its page, rates it
from a second account and sees the rating. On every page it checks the accessibility basics
(labels on inputs, alt text, heading order, the default theme's contrast) and saves a screenshot.
It also checks that a private character appears on no page for anyone but its owner, that the
marketplace home with thirty cards transfers under 300 KB of images and none on a second view,
that adult art is blurred behind a click, and that no page scrolls sideways on a phone.

Writes one JSON report to --report (or standard output); exits 1 if anything failed.
Usage: web_acceptance.py --base http://127.0.0.1:PORT --card seraphina.png --lorebook WORLDINFO.json --screenshots DIR
       [--report FILE] [--moderator NAME:PASSWORD]
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select

# Runs in the page: the basic accessibility checks, as a list of problems.
AUDIT_JS = r"""
const problems = [];
if (!document.documentElement.lang) problems.push('html has no lang');
const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
for (const el of document.querySelectorAll('input, select, textarea')) {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type) || el.hidden || el.getAttribute('aria-hidden') === 'true') continue;
  const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label')
    || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!labelled) problems.push('unlabelled ' + el.tagName.toLowerCase() + ' ' + (el.name || el.id));
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.getAttribute('src'));
}
const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible).map(h => +h.tagName[1]);
if (headings.length === 0 || headings[0] !== 1) problems.push('the first heading is not h1: ' + headings.join(','));
for (let i = 1; i < headings.length; i++) {
  if (headings[i] > headings[i - 1] + 1) problems.push('heading level jumps from h' + headings[i - 1] + ' to h' + headings[i]);
}
if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
if (!document.querySelector('main')) problems.push('no main landmark');
const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
let checked = 0;
for (const el of document.querySelectorAll('body *')) {
  if (!visible(el) || ['SCRIPT', 'STYLE', 'IMG', 'INPUT', 'SELECT', 'TEXTAREA', 'OPTION'].includes(el.tagName)) continue;
  const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!ownText) continue;
  const fg = parse(getComputedStyle(el).color), bg = background(el);
  if (!fg) continue;
  const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  checked++;
  if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ':1 on ' + el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 30) + '"');
}
if (checked === 0) problems.push('no text was checked for contrast');
return problems;
"""


# Seconds to wait for one page. Generous on purpose: a page that never loads still fails, but
# one that is slow because the machine is busy does not.
PAGE_WAIT = 120


class Run:
    def __init__(self, base, screenshots):
        self.base = base.rstrip('/')
        self.screenshots = screenshots
        self.report = {'pages': [], 'failures': [], 'steps': [], 'measured': []}
        options = Options()
        options.binary_location = os.environ.get('CHROMIUM', '/usr/bin/chromium')
        # A starved renderer (two cores shared with a test suite) is slow, not broken: nothing in
        # Chromium may give up on it early, so background throttling is off and the waits long.
        for flag in ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1200,1600',
                     '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
                     '--disable-backgrounding-occluded-windows', '--disable-extensions']:
            options.add_argument(flag)
        service = Service(executable_path=os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver'))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(PAGE_WAIT)
        self.driver.set_script_timeout(PAGE_WAIT)

    def fail(self, message):
        self.report['failures'].append(message)

    def check(self, condition, message):
        if not condition:
            self.fail(message)
        return condition

    def page(self, name):
        """Audits the page now shown and saves its screenshot as NAME.png."""
        problems = self.driver.execute_script(AUDIT_JS)
        path = os.path.join(self.screenshots, name + '.png')
        self.driver.save_screenshot(path)
        self.report['pages'].append({'name': name, 'url': self.driver.current_url, 'title': self.driver.title, 'problems': problems, 'screenshot': path})
        for problem in problems:
            self.fail(f'{name}: {problem}')

    def go(self, path):
        self.driver.get(self.base + path)

    def fill(self, field_id, text):
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(text)

    def navigating(self, action):
        """Does `action` (a click that loads a page) and waits until the new page has loaded.
        The old page is marked, and the wait ends when a loaded page without the mark is shown;
        errors while the browser is between pages are part of waiting, not failures."""
        self.driver.execute_script('window.__scribeOldPage = true')
        action()
        deadline = time.monotonic() + PAGE_WAIT
        while time.monotonic() < deadline:
            try:
                if self.driver.execute_script('return !window.__scribeOldPage && document.readyState === "complete"'):
                    return
            except WebDriverException:
                pass
            time.sleep(0.05)
        raise TimeoutError('the next page did not load')

    def submit(self, form_action):
        """Submits the form and waits for the page it leads to."""
        self.navigating(lambda: self.driver.find_element(By.CSS_SELECTOR, f'form[action="{form_action}"] button[type=submit]').click())

    def path_id(self):
        """The last path segment of the page shown (an id), without any query."""
        return self.driver.current_url.split('?')[0].rstrip('/').split('/')[-1]

    def notice(self):
        found = self.driver.find_elements(By.CSS_SELECTOR, '.notice')
        return found[0].text if found else ''

    def sign_up(self, username):
        self.driver.delete_all_cookies()
        self.go('/signup')
        self.fill('username', username)
        self.fill('email', f'{username}@example.org')
        self.fill('password', 'correct horse battery')
        self.submit('/signup')
        phrase = self.driver.find_elements(By.ID, 'recovery-phrase')
        self.check(phrase and len(phrase[0].text.strip()) >= 20, f'{username}: no recovery phrase after signing up')
        self.check(self.driver.find_elements(By.CSS_SELECTOR, 'form[action="/logout"]'), f'{username}: not shown as logged in after signing up')
        return phrase

    def main(self, card, lorebook):
        # Sign-up form errors are shown beside the field, and what was typed is kept.
        self.go('/signup')
        self.page('signup')
        self.fill('username', 'alice')
        self.fill('email', 'alice@example.org')
        self.fill('password', 'short')
        self.submit('/signup')
        self.check(self.driver.find_elements(By.ID, 'password-error'), 'a too-short password shows no error beside the field')
        self.check(self.driver.find_element(By.ID, 'username').get_attribute('value') == 'alice', 'the username typed was not kept')
        self.page('signup-error')

        self.sign_up('alice')
        self.page('welcome')
        self.report['steps'].append('signed up')

        # Import the card, then publish it.
        self.go('/library')
        self.page('library-empty')
        self.driver.find_element(By.ID, 'file').send_keys(os.path.abspath(card))
        self.submit('/library/import')
        self.check('/library/characters/' in self.driver.current_url, f'importing did not open the editor: {self.driver.current_url}')
        item_id = self.path_id()
        self.item_id = item_id
        name = self.driver.find_element(By.TAG_NAME, 'h1').text
        self.check('Seraphina' in name, f'the imported card is named {name!r}')
        self.page('editor')
        Select(self.driver.find_element(By.ID, 'visibility')).select_by_value('public')
        self.submit(f'/library/characters/{item_id}/visibility')
        self.check('Shared' in self.notice(), f'publishing said {self.notice()!r}')
        self.report['steps'].append('imported and published')

        # A private character of hers, which nobody else may see anywhere.
        self.go('/library')
        secret = 'Hidden Gem ' + uuid.uuid4().hex[:6]
        self.fill('name', secret)
        self.fill('description', 'Kept to myself.')
        self.submit('/library/characters')
        secret_id = self.path_id()
        self.go('/library')
        self.check(secret in self.driver.page_source, 'the owner does not see her private character in her library')
        self.page('library')

        # A lorebook: imported as World Info, then edited in its own page.
        self.driver.find_element(By.ID, 'file').send_keys(os.path.abspath(lorebook))
        Select(self.driver.find_element(By.ID, 'import-kind')).select_by_value('lorebook')
        self.submit('/library/import')
        self.check('Imported the lorebook' in self.notice(), f'importing the lorebook said {self.notice()!r}')
        self.navigating(self.driver.find_element(By.CSS_SELECTOR, 'a[href^="/library/lorebooks/"]').click)
        self.check('/library/lorebooks/' in self.driver.current_url, f'the lorebook link opened {self.driver.current_url}')
        self.fill('entry_keys_0', 'Lantern, Lamp')
        book_id = self.path_id()
        self.submit(f'/library/lorebooks/{book_id}')
        self.check('Saved' in self.notice(), f'saving the lorebook said {self.notice()!r}')
        self.check(self.driver.find_element(By.ID, 'entry_keys_0').get_attribute('value') == 'Lantern, Lamp', 'the edited keys were not saved')
        self.page('lorebook-editor')

        # Find it through the marketplace search (the listing follows within a second or so).
        found = False
        for _ in range(20):
            self.go('/')
            self.fill('q', 'Seraphina')
            self.navigating(lambda: self.driver.find_element(By.CSS_SELECTOR, 'form[role=search] button[type=submit]').click())
            links = self.driver.find_elements(By.PARTIAL_LINK_TEXT, 'Seraphina')
            links = [link for link in links if f'/characters/{item_id}' in (link.get_attribute('href') or '')]
            if links:
                found = True
                break
            time.sleep(0.5)
        self.check(found, 'the published card was not found through the marketplace search')
        self.page('search')
        if not found:
            return
        link = links[0]
        self.navigating(link.click)
        self.check(self.path_id() == item_id, f'the result opened {self.driver.current_url}')
        source = self.driver.page_source
        self.check('property="og:title"' in source and 'property="og:image"' in source, 'the item page has no OpenGraph tags')
        self.check('rel="alternate" type="application/activity+json"' in source, 'the item page has no ActivityPub alternate link')
        self.page('item')
        self.go('/@alice')
        self.page('profile')
        for path, name in [('/feed', 'feed'), ('/notifications', 'notifications'), ('/settings', 'settings')]:
            self.go(path)
            self.page(name)
        self.report['steps'].append('found and opened the item')

        # A second account rates it and sees the rating.
        self.sign_up('bob')
        self.go(f'/characters/{item_id}')
        Select(self.driver.find_element(By.ID, 'stars')).select_by_value('5')
        self.submit(f'/characters/{item_id}/rating')
        self.check('Thank you' in self.notice(), f'rating said {self.notice()!r}')
        meta = self.driver.find_element(By.ID, 'stats').text
        self.check(re.search(r'★ 5\.0 from 1 rating', meta) is not None, f'the rating is not shown: {meta!r}')
        self.page('rated')
        self.report['steps'].append('rated from a second account')
        # And reports it, so the moderation page has a report to show.
        self.driver.find_element(By.XPATH, '//summary[starts-with(normalize-space(.), "Report this")]').click()
        self.fill('report-reason', 'Testing the moderation queue.')
        self.submit(f'/characters/{item_id}/report')
        self.check('moderator will look' in self.notice(), f'reporting said {self.notice()!r}')

        # The private character: on no page for bob, nor for someone logged out.
        for who in ['bob', 'anonymous']:
            if who == 'anonymous':
                self.driver.delete_all_cookies()
            for path in ['/', '/?q=' + secret.replace(' ', '+'), '/@alice', f'/characters/{secret_id}', '/feed', '/notifications']:
                self.go(path)
                self.check(secret not in self.driver.page_source, f'{who} sees the private character on {path}')
        self.go(f'/characters/{secret_id}')
        self.page('private-item-anonymous')
        self.check('404' in self.driver.title or 'Not Found' in self.driver.title, f'a private item page is titled {self.driver.title!r}')
        self.go('/login')
        self.page('login')
        self.go('/recover')
        self.page('recover')
        self.report['steps'].append('private items stay private')

    def on_phone(self, pages):
        """Opens each (PATH, NAME) at a phone's width: nothing may scroll sideways; each is audited and photographed."""
        self.driver.set_window_size(390, 844)
        try:
            for path, name in pages:
                self.go(path)
                wide = self.driver.execute_script('return document.documentElement.scrollWidth - window.innerWidth')
                self.check(wide <= 0, f'{path} scrolls sideways by {wide} pixels on a phone')
                self.page(name)
        finally:
            self.driver.set_window_size(1200, 1600)

    def log_in(self, username):
        self.driver.delete_all_cookies()
        self.go('/login')
        self.fill('identifier', username)
        self.fill('password', 'correct horse battery')
        self.submit('/login')

    def social(self, card):
        """What a creator and her readers meet: news of what people did with her item, a composer
        that counts, posts on her profile, the editor's new art and changelog; at phone widths too."""
        item_id = getattr(self, 'item_id', None)
        if not item_id:
            self.fail('no published item to be social about')
            return
        # Bob favourites her item; she is told, with his rating, among her notifications.
        self.log_in('bob')
        self.go(f'/characters/{item_id}')
        self.submit(f'/characters/{item_id}/favourite')
        self.check(self.driver.find_elements(By.CSS_SELECTOR, f'form[action="/characters/{item_id}/favourite"] button[aria-pressed=true]'),
                   'the favourite button does not show that bob favourited it')
        self.log_in('alice')
        self.go('/notifications')
        text = self.driver.find_element(By.CSS_SELECTOR, 'ul.notifications').text
        self.check('rated ★★★★★ Seraphina' in text and 'favourited Seraphina' in text,
                   f'the creator is not told of the rating and the favourite: {text!r}')
        self.page('notifications-creator')

        # The composer counts what is left as she types (the page's one script), and posting from her
        # profile comes back to it with the post shown.
        self.go('/feed')
        self.fill('text', 'Counting')
        counter = self.driver.find_element(By.ID, 'text-count').text
        self.check(counter == '4992 characters left', f'the composer\'s counter says {counter!r} after 8 characters')
        self.page('feed-composer')
        self.go('/@alice')
        words = 'Lanterns lit along the river tonight.'
        self.fill('text', words)
        self.submit('/feed/post')
        self.check(self.driver.current_url.split('?')[0].endswith('/@alice'), f'posting from the profile landed on {self.driver.current_url}')
        posts = self.driver.find_elements(By.CSS_SELECTOR, 'article.status')
        self.check(any(words in post.text for post in posts), 'the post is not among the profile\'s posts')
        self.page('profile-posts')

        # The editor replaces the art and records her note as the listing's changelog.
        self.go(f'/library/characters/{item_id}')
        self.driver.find_element(By.ID, 'avatar').send_keys(os.path.abspath(card))
        self.fill('change_note', 'Brighter art for winter.')
        self.submit(f'/library/characters/{item_id}')
        self.check('Saved' in self.notice(), f'saving new art said {self.notice()!r}')
        self.page('editor-saved')
        shown = False
        for _ in range(40):
            self.go(f'/characters/{item_id}')
            if 'Brighter art for winter.' in self.driver.page_source:
                shown = True
                break
            time.sleep(0.25)
        self.check(shown, 'the item page does not show the creator\'s note among its versions')

        # A phone: the social pages and the creator's tools fit its width.
        self.on_phone([('/feed', 'feed-phone'), ('/notifications', 'notifications-phone'), ('/library', 'library-phone'),
                       (f'/library/characters/{item_id}', 'editor-phone'), ('/@alice', 'profile-posts-phone'), ('/settings', 'settings-phone')])
        self.report['steps'].append('social: creator news, composer, profile posts, new art and changelog, phones')

    def api(self, method, path, token=None, body=None, content_type='application/json'):
        """One JSON API call; answers the status and the decoded body (or None)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header('Content-Type', content_type)
        if token:
            request.add_header('Authorization', 'Bearer ' + token)
        try:
            with urllib.request.urlopen(request, timeout=PAGE_WAIT) as answer:
                raw = answer.read()
                return answer.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            return error.code, None

    def image_bytes(self):
        """Bytes the page shown transferred for all its images, by the browser's own resource timing.
        Lazy images load as they come into view: the page is scrolled a screen at a time, waiting
        at each until the images in view have loaded, so every image is counted."""
        deadline = time.monotonic() + PAGE_WAIT
        height = self.driver.execute_script('return document.documentElement.scrollHeight')
        step = self.driver.execute_script('return window.innerHeight')
        for offset in range(0, height + step, step):
            self.driver.execute_script('window.scrollTo(0, arguments[0])', offset)
            while time.monotonic() < deadline and not self.driver.execute_script(
                    'return [...document.images].filter(i => i.getBoundingClientRect().top < innerHeight'
                    ' && i.getBoundingClientRect().bottom > 0).every(i => i.complete && i.naturalWidth > 0)'):
                time.sleep(0.1)
        self.check(self.driver.execute_script('return [...document.images].every(i => i.complete && i.naturalWidth > 0)'),
                   f'{self.driver.current_url}: not every image loaded')
        return self.driver.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img')"
            ".reduce((sum, e) => sum + e.transferSize, 0)")

    def hub(self, card):
        """The marketplace as a hub: thirty cards of art, adult art blurred, phones that fit."""
        status, created = self.api('POST', '/api/v1/accounts',
                                   body={'username': 'carol', 'email': 'carol@example.org', 'password': 'correct horse battery'})
        self.check(status == 201, f'registering carol through the API answered {status}')
        token = created['session']['token']
        with open(card, 'rb') as file:
            png = file.read()
        ids = []
        for _ in range(30):
            status, imported = self.api('POST', '/api/v1/characters/import', token, png, 'image/png')
            ids.append(imported['character']['id'].lower())
            self.api('PUT', f'/api/v1/characters/{ids[-1]}/visibility', token, {'sharing_visibility': 'public'})
        # One is for adults.
        adult = ids[0]
        for _ in range(100):
            if self.api('PUT', f'/api/v1/marketplace/listings/{adult}/content-rating', token, {'content_rating': 'nsfw'})[0] == 204:
                break
            time.sleep(0.2)

        # Thirty cards of art: under 300 KB on a first view, nothing on the next.
        self.driver.delete_all_cookies()
        for _ in range(100):
            self.go('/')
            if len(self.driver.find_elements(By.CSS_SELECTOR, '.cards.grid .art img')) >= 30:
                break
            time.sleep(0.2)
        # A first view: nothing of this server in the browser's cache.
        self.driver.execute_cdp_cmd('Network.enable', {})
        self.driver.execute_cdp_cmd('Network.clearBrowserCache', {})
        self.go('/')
        cards = len(self.driver.find_elements(By.CSS_SELECTOR, '.cards.grid .card'))
        self.check(cards == 30, f'the marketplace home shows {cards} cards, not 30')
        first = self.image_bytes()
        self.report['measured'].append(f'home: {cards} cards, {first} bytes of images on a first view (limit 300000)')
        self.check(0 < first < 300_000, f'the home page transferred {first} bytes of images on a first view')
        self.page('home')
        self.go('/')
        again = self.image_bytes()
        self.report['measured'].append(f'home again: {again} bytes of images (limit 0)')
        self.check(again == 0, f'the home page transferred {again} bytes of images again within the cache lifetime')

        # Adult art is blurred for a visitor on its page and the creator's profile, until clicked.
        for path, name in [(f'/characters/{adult}', 'item-adult'), ('/@carol', 'profile-adult')]:
            self.go(path)
            art = self.driver.find_elements(By.CSS_SELECTOR, '.art.adult img')
            self.check(art, f'{path}: the adult art is not marked for blurring')
            if not art:
                continue
            self.check('blur' in self.driver.execute_script('return getComputedStyle(arguments[0]).filter', art[0]),
                       f'{path}: the adult art is not blurred')
            self.page(name)
            self.driver.find_element(By.CSS_SELECTOR, '.art.adult .reveal-label').click()
            self.check(self.driver.execute_script('return getComputedStyle(arguments[0]).filter', art[0]) == 'none',
                       f'{path}: the adult art stays blurred after a click')

        # A phone: every page fits its width, nothing scrolls sideways.
        self.on_phone([('/', 'home-phone'), (f'/characters/{ids[1]}', 'item-phone'), ('/@carol', 'profile-phone'),
                       ('/signup', 'signup-phone'), ('/login', 'login-phone')])
        self.report['steps'].append('the hub: art, blur, phones')

    def moderate(self, credentials):
        """Logs in as a moderator (NAME:PASSWORD) and audits the moderation page; nobody else may open it."""
        self.driver.delete_all_cookies()
        self.go('/moderation')
        self.check('/login' in self.driver.current_url, f'a visitor was shown {self.driver.current_url}, not the login page')
        name, password = credentials.split(':', 1)
        self.go('/login')
        self.fill('identifier', name)
        self.fill('password', password)
        self.submit('/login')
        self.go('/moderation')
        self.check(self.driver.find_elements(By.TAG_NAME, 'h1') and 'Moderation' in self.driver.find_element(By.TAG_NAME, 'h1').text,
                   f'the moderator sees {self.driver.title!r} at /moderation')
        self.check('Testing the moderation queue.' in self.driver.page_source, 'the report is not in the moderation queue')
        self.page('moderation')
        self.report['steps'].append('moderated')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--base', required=True)
    parser.add_argument('--card', required=True)
    parser.add_argument('--lorebook', required=True)
    parser.add_argument('--screenshots', required=True)
    parser.add_argument('--report')
    parser.add_argument('--moderator', help='NAME:PASSWORD of a moderator account, to audit the moderation page')
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    run = Run(args.base, args.screenshots)
    try:
        run.main(args.card, args.lorebook)
        run.social(args.card)
        run.hub(args.card)
        if args.moderator:
            run.moderate(args.moderator)
    except Exception as error:  # reported, not hidden: the test prints the report
        run.fail(f'{type(error).__name__}: {error}')
        try:
            run.driver.save_screenshot(os.path.join(args.screenshots, 'failure.png'))
        except Exception:
            pass
    finally:
        run.driver.quit()
    if args.report:
        with open(args.report, 'w') as report:
            json.dump(run.report, report)
    else:
        print(json.dumps(run.report))
    sys.exit(1 if run.report['failures'] else 0)


if __name__ == '__main__':
    main()
